#include "net/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace heeler::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

core::Result<Url> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme)
    return core::error(core::Code::invalid_argument, "server URL '{}' must start with http://",
                       url);
  url.remove_prefix(scheme.size());
  Url out;
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.base_path = std::string(url.substr(slash));
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.back() == ']') {
    out.host = std::string(authority);
    out.port = "80";
  } else {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty() || out.port.empty())
    return core::error(core::Code::invalid_argument, "server URL needs a host");
  return out;
}

core::Result<ClientReply> http_call(const Url& server, std::string_view method,
                                    std::string_view target, std::string_view body,
                                    std::string_view content_type, std::chrono::seconds timeout) {
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(server.host, server.port));
    http::request<http::string_body> request(http::string_to_verb(method),
                                             server.base_path + std::string(target), 11);
    request.set(http::field::host, server.host);
    request.set(http::field::user_agent, "heeler-cli");
    if (!body.empty() || method == "POST") {
      request.set(http::field::content_type, content_type);
      request.body() = std::string(body);
      request.prepare_payload();
    }
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    http::read(stream, buffer, parser);
    auto& response = parser.get();
    ClientReply reply;
    reply.status = static_cast<int>(response.result_int());
    for (const auto& field : response)
      reply.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    reply.body = std::move(response.body());
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return reply;
  } catch (const std::exception& e) {
    return core::error(core::Code::unavailable, "cannot reach {}:{}: {}", server.host, server.port,
                       e.what());
  }
}

}  // namespace heeler::net
