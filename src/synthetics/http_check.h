// One HTTP request of an API test, made with libcurl: the response, Datadog's timing
// breakdown and, for HTTPS, the server certificate's expiry. Failures carry Datadog's
// failure codes (DNS, CONNREFUSED, TIMEOUT, SSL, DENIED, TOO_MANY_REDIRECTS,
// BODY_TOO_LARGE, …) and a message a person can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace heeler::synthetics {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::pair<std::string, std::string>> basic_auth;  // user, password
  std::string client_cert_pem;  // with its key, for mutual TLS; empty: none
  std::string client_key_pem;
  double timeout_s = 60;
  bool follow_redirects = true;
  bool ignore_certificate = false;
};

struct CheckLimits {
  size_t max_body_bytes = 5 << 20;  // BODY_TOO_LARGE beyond
  int max_redirects = 10;           // TOO_MANY_REDIRECTS beyond
  // Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, 100.100.100.200,
  // fd00:ec2::254) are refused unless allowed: a test must not read the host's secrets.
  bool allow_link_local = false;
};

// Milliseconds, as Datadog reports them.
struct Timings {
  double dns = 0;
  double tcp = 0;
  double ssl = 0;
  double first_byte = 0;  // waiting for the first byte after the request was sent
  double download = 0;
  double total = 0;
};

struct HttpResult {
  bool completed = false;  // a response arrived (whatever its status)
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  size_t body_size = 0;  // bytes received, body.size() unless cut
  Timings timings;
  std::optional<int64_t> cert_not_after_s;  // HTTPS: the leaf certificate's expiry
  std::string failure_code;                 // empty when completed
  std::string failure_message;

  const std::string* header(std::string_view name) const;  // case-insensitive
};

HttpResult perform_http(const HttpRequestSpec& request, const CheckLimits& limits = {});

}  // namespace heeler::synthetics
