// A small blocking HTTP/1.1 client (for the command line talking to a running
// server, and for tools). One request per connection; `timeout` bounds the whole
// exchange.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/http.h"

namespace heeler::net {

struct ClientReply {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
};

struct Url {
  std::string host;
  std::string port;
  std::string base_path;  // without a trailing slash
};
// "http://host:port[/base]"; https is not supported (use a local address).
core::Result<Url> parse_url(std::string_view url);

core::Result<ClientReply> http_call(const Url& server, std::string_view method,
                                    std::string_view target, std::string_view body = {},
                                    std::string_view content_type = "application/json",
                                    std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace heeler::net
