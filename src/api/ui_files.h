// The web UI: the built single-page app (ui/dist) served from the API port. Paths
// that no API route answers get index.html (the app routes on the client), files under
// /assets/ are content-hashed and cached for good, and a missing build answers a
// page that says how to build it.
#pragma once

#include <filesystem>
#include <string>

#include "net/http.h"

namespace heeler::api {

// Where the UI is served from: `configured` when set, else ui/ beside the binary
// when it holds index.html, else the source tree's ui/dist.
std::filesystem::path resolve_ui_dir(const std::string& configured);

// Answers one GET/HEAD request for the UI from `dir` (see the file comment). Paths
// under /api/ answer the JSON 404 the router would; ".." segments answer 400.
net::Response serve_ui(const std::filesystem::path& dir, const net::Request& request);

// Makes serve_ui the router's fallback, so every API route keeps priority.
void add_ui_routes(net::Router& router, std::filesystem::path dir);

}  // namespace heeler::api
