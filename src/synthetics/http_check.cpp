#include "synthetics/http_check.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace heeler::synthetics {
namespace {

struct Transfer {
  const CheckLimits* limits = nullptr;
  HttpResult* result = nullptr;
  bool too_large = false;
  bool denied = false;
  std::string denied_address;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->result->body.size() + bytes > t->limits->max_body_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->result->body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // A new response (after a redirect or 100 Continue) starts with its status line.
  if (line.starts_with("HTTP/")) {
    t->result->headers.clear();
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  t->result->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

bool forbidden(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr);
    if ((ip >> 16) == 0xA9FE) return true;  // 169.254.0.0/16, link-local and metadata
    if (ip == 0x646464C8) return true;      // 100.100.100.200, a cloud metadata address
    return false;
  }
  if (addr->sa_family == AF_INET6) {
    const uint8_t* b = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr.s6_addr;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10
    static const uint8_t kAwsMetadata[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                             0,    0,    0,    0,    0, 0, 0x02, 0x54};
    if (std::memcmp(b, kAwsMetadata, 16) == 0) return true;
    // IPv4-mapped link-local.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0 && b[12] == 169 && b[13] == 254) return true;
  }
  return false;
}

curl_socket_t open_socket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->limits->allow_link_local && forbidden(&address->addr)) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = address->family == AF_INET
                          ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr);
    inet_ntop(address->family, raw, text, sizeof text);
    t->denied = true;
    t->denied_address = text;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

std::optional<int64_t> parse_cert_time(const std::string& text) {
  // "Jan  1 00:00:00 2030 GMT"
  tm t{};
  if (!strptime(text.c_str(), "%b %d %H:%M:%S %Y", &t)) return std::nullopt;
  return static_cast<int64_t>(timegm(&t));
}

double ms(curl_off_t us) {
  return static_cast<double>(us) / 1000.0;
}

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

const std::string* HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      return &v;
  return nullptr;
}

HttpResult perform_http(const HttpRequestSpec& request, const CheckLimits& limits) {
  init_curl();
  HttpResult result;
  Transfer transfer{&limits, &result};
  CURL* curl = curl_easy_init();
  if (!curl) {
    result.failure_code = "INTERNAL_ERROR";
    result.failure_message = "cannot start an HTTP request";
    return result;
  }
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers)
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (request.basic_auth) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_auth->first.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_auth->second.c_str());
  }
  curl_blob cert{}, key{};
  if (!request.client_cert_pem.empty()) {
    cert = {const_cast<char*>(request.client_cert_pem.data()), request.client_cert_pem.size(),
            CURL_BLOB_NOCOPY};
    key = {const_cast<char*>(request.client_key_pem.data()), request.client_key_pem.size(),
           CURL_BLOB_NOCOPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  }
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(limits.max_redirects));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_s * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_CERTINFO, 1L);
  if (request.ignore_certificate) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "Heeler-Synthetics/1");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);

  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.status = static_cast<int>(status);
  curl_off_t dns = 0, connect = 0, app = 0, start = 0, total = 0;
  curl_easy_getinfo(curl, CURLINFO_NAMELOOKUP_TIME_T, &dns);
  curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(curl, CURLINFO_STARTTRANSFER_TIME_T, &start);
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total);
  const curl_off_t ready = std::max(app, connect);
  result.timings = {ms(dns),
                    ms(std::max<curl_off_t>(0, connect - dns)),
                    ms(app > 0 ? app - connect : 0),
                    ms(std::max<curl_off_t>(0, start - ready)),
                    ms(std::max<curl_off_t>(0, total - start)),
                    ms(total)};
  curl_certinfo* certs = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &certs) == CURLE_OK && certs &&
      certs->num_of_certs > 0) {
    for (curl_slist* s = certs->certinfo[0]; s; s = s->next) {
      std::string_view line(s->data);
      if (line.starts_with("Expire date:"))
        result.cert_not_after_s = parse_cert_time(std::string(line.substr(12)));
    }
  }
  result.body_size = result.body.size();
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  if (rc == CURLE_OK) {
    result.completed = true;
    return result;
  }
  if (transfer.too_large) {
    result.failure_code = "BODY_TOO_LARGE";
    result.failure_message =
        fmt::format("the response body is larger than {} bytes", limits.max_body_bytes);
    return result;
  }
  if (transfer.denied) {
    result.failure_code = "DENIED";
    result.failure_message = fmt::format(
        "requests to {} (link-local or cloud metadata) are not allowed", transfer.denied_address);
    return result;
  }
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
      result.failure_code = "DNS";
      break;
    case CURLE_COULDNT_CONNECT:
      result.failure_code = "CONNREFUSED";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      result.failure_code = "TIMEOUT";
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      result.failure_code = "TOO_MANY_REDIRECTS";
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      result.failure_code = "SSL";
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      result.failure_code = "CONNRESET";
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      result.failure_code = "INVALID_REQUEST";
      break;
    default:
      result.failure_code = "UNKNOWN";
  }
  result.failure_message = curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    result.failure_message = fmt::format("no complete response within {} s", request.timeout_s);
  return result;
}

}  // namespace heeler::synthetics
