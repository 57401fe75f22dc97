// The request and response types every HTTP handler in Heeler sees, and the router
// that maps method + path to a handler. Nothing here knows about sockets; the
// server (http_server.h) fills a Request and writes back the Response.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace heeler::net {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // as sent: path and query string
  std::string path;                                        // percent-decoded path, no query string
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::vector<Header> headers;                             // as sent, Content-Encoding included
  std::string body;                                        // after Content-Encoding was undone
  std::string remote_address;
  std::map<std::string, std::string> path_params;  // from "{name}" route segments

  // Case-insensitive header lookup; the first match.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // {"errors":["<message>"]} with the HTTP status that the Status code maps to.
  static Response error(const core::Status& status);
  static Response error(int http_status, std::string_view message);
};

// Percent-encodes everything but unreserved characters (RFC 3986), for query strings
// and form bodies.
std::string url_encode(std::string_view text);

// Maps an error code to its HTTP status: the one place this is decided.
int http_status_for(core::Code code);

using Handler = std::function<Response(Request&)>;

// Routes by exact path or by patterns with "{name}" segments ("/api/v1/monitor/{id}").
// A path that matches with another method answers 405; no match answers 404, or goes
// to the fallback when one is set (the web UI's files and client-side routes).
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // Answers requests that match no route at all (not those answered 405).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  Response dispatch(Request& request) const;
  bool empty() const { return routes_.empty(); }
  // Every route as (method, pattern), in the order added (the API description test).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{id}" marks a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

// Splits "a=1&b=x%20y" into decoded pairs; '+' decodes to a space.
std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query);
// Percent-decodes; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

// Escapes text for use inside a JSON string literal (without the surrounding quotes).
std::string json_escape(std::string_view text);
// The same, appended to `out` (for writers that build a document in one buffer).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace heeler::net
