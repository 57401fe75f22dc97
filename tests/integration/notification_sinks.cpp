#include "notification_sinks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace heeler::testing {
namespace {

int listen_loopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0)
    throw std::runtime_error("cannot listen on loopback");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Accepts connections until `stop`, handing each to `serve` in turn.
template <typename Serve>
void accept_loop(int listen_fd, std::atomic<bool>& stop, Serve serve) {
  while (!stop) {
    pollfd p{listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    serve(fd);
    ::close(fd);
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string base64_decode(const std::string& in) {
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return {};
  out.resize(static_cast<size_t>(n));
  size_t pad = 0;
  for (auto it = in.rbegin(); it != in.rend() && *it == '='; ++it) ++pad;
  out.resize(out.size() - std::min(pad, out.size()));
  return out;
}

// A self-signed certificate for CN=localhost, made fresh for each sink.
SSL_CTX* make_tls_context() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

}  // namespace

HttpSink::HttpSink() {
  listen_fd_ = listen_loopback(port_);
  thread_ = std::thread([this] { accept_loop(listen_fd_, stop_, [this](int fd) { serve(fd); }); });
}

HttpSink::~HttpSink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

void HttpSink::serve(int fd) {
  std::string data;
  char buf[8192];
  size_t header_end = std::string::npos;
  size_t length = 0;
  SinkRequest req;
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos &&
        (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      size_t line_end = data.find("\r\n");
      const std::string line = data.substr(0, line_end);
      const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
      req.method = line.substr(0, sp1);
      req.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t at = line_end + 2;
      while (at < header_end) {
        size_t e = data.find("\r\n", at);
        const std::string h = data.substr(at, e - at);
        const size_t colon = h.find(':');
        if (colon != std::string::npos) {
          std::string value = h.substr(colon + 1);
          value.erase(0, value.find_first_not_of(' '));
          req.headers[lower(h.substr(0, colon))] = value;
        }
        at = e + 2;
      }
      length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
  }
  req.body = data.substr(header_end + 4, length);
  bool fail = false;
  {
    std::lock_guard lock(mu_);
    auto it = failures_.find(req.path);
    if (it != failures_.end() && it->second > 0) {
      --it->second;
      fail = true;
    }
  }
  const std::string reply =
      fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
             "Connection: close\r\n\r\nfail"
           : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(req));
}

std::vector<SinkRequest> HttpSink::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<SinkRequest> HttpSink::wait_for(const std::string& path, size_t n,
                                            std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  std::vector<SinkRequest> out;
  do {
    out.clear();
    for (auto& r : requests())
      if (r.path == path) out.push_back(r);
    if (out.size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < end);
  return out;
}

// One SMTP conversation, over the socket or, after STARTTLS, over TLS.
struct SmtpSink::Session {
  int fd;
  SSL* ssl = nullptr;
  std::string buffer;

  bool line(std::string& out) {
    while (true) {
      size_t e = buffer.find("\r\n");
      if (e != std::string::npos) {
        out = buffer.substr(0, e);
        buffer.erase(0, e + 2);
        return true;
      }
      char buf[4096];
      int n =
          ssl ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::recv(fd, buf, sizeof buf, 0));
      if (n <= 0) return false;
      buffer.append(buf, static_cast<size_t>(n));
    }
  }
  void say(const std::string& text) {
    const std::string s = text + "\r\n";
    if (ssl)
      SSL_write(ssl, s.data(), static_cast<int>(s.size()));
    else
      ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
  }
};

SmtpSink::SmtpSink(std::string user, std::string password)
    : user_(std::move(user)), password_(std::move(password)) {
  tls_ = make_tls_context();
  listen_fd_ = listen_loopback(port_);
  thread_ = std::thread([this] { accept_loop(listen_fd_, stop_, [this](int fd) { serve(fd); }); });
}

SmtpSink::~SmtpSink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(tls_));
}

void SmtpSink::serve(int fd) {
  Session s{fd};
  SinkMail mail;
  std::string authed;
  s.say("220 sink ESMTP");
  std::string cmd;
  while (s.line(cmd)) {
    const std::string upper = [&] {
      std::string u = cmd;
      for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return u;
    }();
    if (upper.starts_with("EHLO")) {
      s.say("250-sink");
      if (!s.ssl) s.say("250-STARTTLS");
      s.say("250-AUTH PLAIN LOGIN");
      s.say("250 8BITMIME");
    } else if (upper.starts_with("HELO")) {
      s.say("250 sink");
    } else if (upper == "STARTTLS") {
      s.say("220 ready for TLS");
      s.ssl = SSL_new(static_cast<SSL_CTX*>(tls_));
      SSL_set_fd(s.ssl, fd);
      if (SSL_accept(s.ssl) != 1) break;
      mail.tls = true;
    } else if (upper.starts_with("AUTH PLAIN")) {
      std::string arg = cmd.size() > 11 ? cmd.substr(11) : "";
      if (arg.empty()) {
        s.say("334 ");
        if (!s.line(arg)) break;
      }
      const std::string plain = base64_decode(arg);  // authzid \0 user \0 password
      const size_t a = plain.find('\0'), b = plain.find('\0', a + 1);
      const bool ok = a != std::string::npos && b != std::string::npos &&
                      plain.substr(a + 1, b - a - 1) == user_ && plain.substr(b + 1) == password_;
      if (ok) authed = user_;
      s.say(ok ? "235 accepted" : "535 bad credentials");
    } else if (upper.starts_with("AUTH LOGIN")) {
      std::string u, p;
      s.say("334 VXNlcm5hbWU6");
      if (!s.line(u)) break;
      s.say("334 UGFzc3dvcmQ6");
      if (!s.line(p)) break;
      const bool ok = base64_decode(u) == user_ && base64_decode(p) == password_;
      if (ok) authed = user_;
      s.say(ok ? "235 accepted" : "535 bad credentials");
    } else if (upper.starts_with("MAIL FROM:")) {
      if (authed.empty()) {
        s.say("530 authentication required");
        continue;
      }
      mail.from = cmd.substr(10);
      mail.user = authed;
      s.say("250 ok");
    } else if (upper.starts_with("RCPT TO:")) {
      mail.to.push_back(cmd.substr(8));
      s.say("250 ok");
    } else if (upper == "DATA") {
      s.say("354 end with .");
      std::string l;
      while (s.line(l) && l != ".") mail.data += (l.starts_with("..") ? l.substr(1) : l) + "\r\n";
      s.say("250 queued");
      std::lock_guard lock(mu_);
      mails_.push_back(mail);
      mail.to.clear();
      mail.data.clear();
    } else if (upper == "QUIT") {
      s.say("221 bye");
      break;
    } else {
      s.say("250 ok");
    }
  }
  if (s.ssl) {
    SSL_shutdown(s.ssl);
    SSL_free(s.ssl);
  }
}

std::vector<SinkMail> SmtpSink::wait_for(size_t n, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (mails_.size() >= n || std::chrono::steady_clock::now() >= end) return mails_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace heeler::testing
