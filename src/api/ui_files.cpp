#include "api/ui_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

#ifndef HEELER_UI_DIR
#define HEELER_UI_DIR ""
#endif

namespace heeler::api {
namespace {

using net::Request;
using net::Response;

constexpr std::string_view kNotBuilt = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Heeler</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The Heeler web UI was not built</h1>
<p>The API is running; only the web UI's files are missing from <code>{}</code>.</p>
<p>Build them with <code>make</code> in the source tree (or <code>cd ui &amp;&amp; npm ci &amp;&amp;
npm run build</code>), or point the <code>ui.dir</code> setting at a built <code>ui/dist</code>
directory, then reload this page.</p>
</body></html>
)";

std::string_view content_type_for(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool read_file(const std::filesystem::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return static_cast<bool>(in) || in.eof();
}

bool is_regular(const std::filesystem::path& file) {
  std::error_code ec;
  return std::filesystem::is_regular_file(file, ec);
}

Response file_response(const std::filesystem::path& file, std::string cache_control) {
  Response r;
  if (!read_file(file, r.body)) return Response::error(404, "not found");
  r.content_type = std::string(content_type_for(file));
  r.headers.push_back({"Cache-Control", std::move(cache_control)});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return r;
}

// True when a segment of the path (decoded or as sent) steps out of its directory.
bool escapes(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos)
    return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == ".." || segment == ".") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::filesystem::path resolve_ui_dir(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path beside = exe.parent_path() / "ui";
    if (is_regular(beside / "index.html")) return beside;
  }
  return HEELER_UI_DIR;
}

Response serve_ui(const std::filesystem::path& dir, const Request& request) {
  const std::string& path = request.path;
  if (path == "/api" || path.starts_with("/api/"))
    return Response::error(404, fmt::format("no route for {} {}", request.method, path));
  if (request.method != "GET" && request.method != "HEAD")
    return Response::error(405, fmt::format("method {} not allowed for {}", request.method, path));
  // Both the decoded path and the target as sent: "%2e%2e" decodes to "..", and a
  // client may send ".." unnormalised.
  std::string_view raw = request.target;
  raw = raw.substr(0, raw.find('?'));
  std::string raw_decoded;
  if (path.empty() || path[0] != '/' || escapes(path) || escapes(raw) ||
      (net::percent_decode(raw, raw_decoded, false) && escapes(raw_decoded)))
    return Response::error(400, "invalid path");

  const std::filesystem::path index = dir / "index.html";
  if (!is_regular(index)) {
    Response r = Response::text(404, fmt::format(kNotBuilt, html_escape(dir.string())),
                                "text/html; charset=utf-8");
    r.headers.push_back({"Cache-Control", "no-cache"});
    return r;
  }
  const std::string relative = path.substr(1);
  if (path.starts_with("/assets/")) {
    // Content-hashed names: a changed file gets a new name, so these never go stale.
    const std::filesystem::path file = dir / relative;
    if (!is_regular(file)) return Response::error(404, fmt::format("no file {}", path));
    return file_response(file, "public, max-age=31536000, immutable");
  }
  if (!relative.empty() && relative.find('/') == std::string::npos && is_regular(dir / relative))
    return file_response(dir / relative, "no-cache");
  // "/", "/logs", "/apm/traces/abc": the app decides what to show.
  return file_response(index, "no-cache");
}

void add_ui_routes(net::Router& router, std::filesystem::path dir) {
  router.set_fallback([dir = std::move(dir)](Request& request) { return serve_ui(dir, request); });
}

}  // namespace heeler::api
