#include "core/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/log.h"

namespace heeler::core {
namespace {

Status key_error(std::string_view key, std::string_view reason) {
  return Status(Code::config_invalid, fmt::format("config key '{}': {}", key, reason));
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

Result<int64_t> parse_int(std::string_view key, std::string_view text, int64_t min, int64_t max) {
  std::string t = trim(text);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    return key_error(key, fmt::format("expected an integer, got '{}'", text));
  if (v < min || v > max)
    return key_error(key, fmt::format("{} is out of range [{}, {}]", v, min, max));
  return v;
}

Result<bool> parse_bool(std::string_view key, std::string_view text) {
  std::string t = trim(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return key_error(key, fmt::format("expected true or false, got '{}'", text));
}

// One entry per key: how to set it from text and how to print it.
struct KeyHandler {
  ConfigKey key;
  std::function<Status(Config&, std::string_view)> set;
  std::function<std::string(const Config&)> get;
  bool quoted;  // rendered as a TOML string
};

KeyHandler listen_key(std::string name, std::string help, ListenAddress Config::*member) {
  return {{name, std::move(help), {}},
          [name, member](Config& c, std::string_view v) -> Status {
            auto parsed = parse_listen_address(v);
            if (!parsed) return key_error(name, parsed.status().message());
            c.*member = *parsed;
            return {};
          },
          [member](const Config& c) { return (c.*member).to_string(); },
          true};
}

template <typename Section>
KeyHandler int_key(std::string name, std::string help, Section Config::*section,
                   int Section::*member, int min, int max) {
  return {{name, std::move(help), {}},
          [=](Config& c, std::string_view v) -> Status {
            auto parsed = parse_int(name, v, min, max);
            if (!parsed) return parsed.status();
            (c.*section).*member = static_cast<int>(*parsed);
            return {};
          },
          [=](const Config& c) { return std::to_string((c.*section).*member); },
          false};
}

template <typename Section>
KeyHandler bool_key(std::string name, std::string help, Section Config::*section,
                    bool Section::*member) {
  return {{name, std::move(help), {}},
          [=](Config& c, std::string_view v) -> Status {
            auto parsed = parse_bool(name, v);
            if (!parsed) return parsed.status();
            (c.*section).*member = *parsed;
            return {};
          },
          [=](const Config& c) { return (c.*section).*member ? "true" : "false"; },
          false};
}

template <typename Section>
KeyHandler bytes_key(std::string name, std::string help, Section Config::*section,
                     uint64_t Section::*member) {
  return {{name, std::move(help), {}},
          [=](Config& c, std::string_view v) -> Status {
            auto parsed = parse_byte_size(v);
            if (!parsed) return key_error(name, parsed.status().message());
            (c.*section).*member = *parsed;
            return {};
          },
          [=](const Config& c) { return std::to_string((c.*section).*member); },
          false};
}

const std::vector<KeyHandler>& handlers() {
  static const std::vector<KeyHandler> table = [] {
    using C = Config;
    std::vector<KeyHandler> t;
    t.push_back({{"data_dir", "directory for the store, metadata and write-ahead log", {}},
                 [](C& c, std::string_view v) -> Status {
                   if (trim(v).empty()) return key_error("data_dir", "must not be empty");
                   c.data_dir = std::string(v);
                   return {};
                 },
                 [](const C& c) { return c.data_dir.string(); },
                 true});
    t.push_back(listen_key("listen", "HTTP API and UI address (HOST:PORT)", &C::listen));
    t.push_back(listen_key("otlp_http_listen", "OTLP/HTTP receiver address; port 0 disables it",
                           &C::otlp_http_listen));
    t.push_back(listen_key("otlp_grpc_listen", "OTLP/gRPC receiver address; port 0 disables it",
                           &C::otlp_grpc_listen));
    t.push_back(listen_key("apm_listen", "Datadog tracer (agent API) address; port 0 disables it",
                           &C::apm_listen));
    t.push_back(listen_key("dogstatsd_listen", "DogStatsD UDP address; port 0 disables it",
                           &C::dogstatsd_listen));
    t.push_back({{"log_level", "debug, info, warn or error", {}},
                 [](C& c, std::string_view v) -> Status {
                   log::Level level;
                   std::string t = trim(v);
                   if (!log::parse_level(t, level))
                     return key_error(
                         "log_level",
                         fmt::format("'{}' is not one of debug, info, warn, error", v));
                   c.log_level = t;
                   return {};
                 },
                 [](const C& c) { return c.log_level; },
                 true});
    t.push_back(
        {{"shutdown_grace_seconds", "how long in-flight requests may finish on SIGTERM", {}},
         [](C& c, std::string_view v) -> Status {
           auto p = parse_int("shutdown_grace_seconds", v, 0, 60);
           if (!p) return p.status();
           c.shutdown_grace_seconds = static_cast<int>(*p);
           return {};
         },
         [](const C& c) { return std::to_string(c.shutdown_grace_seconds); },
         false});
    t.push_back(bytes_key("http.max_body_bytes", "largest request body on the wire (413 beyond)",
                          &C::http, &C::Http::max_body_bytes));
    t.push_back(bytes_key("http.max_decoded_body_bytes",
                          "largest request body after decompression (413 beyond)", &C::http,
                          &C::Http::max_decoded_body_bytes));
    t.push_back(
        int_key("http.threads", "threads serving HTTP", &C::http, &C::Http::threads, 1, 256));
    t.push_back(int_key("http.idle_timeout_seconds", "keep-alive idle timeout", &C::http,
                        &C::Http::idle_timeout_seconds, 1, 3600));
    t.push_back(int_key("http.read_timeout_seconds", "time allowed to read one request", &C::http,
                        &C::Http::read_timeout_seconds, 1, 3600));
    t.push_back(bool_key("http.log_requests", "one log line per request", &C::http,
                         &C::Http::log_requests));
    t.push_back({{"store.chdb_library", "path to libchdb.so (empty: the pinned copy)", {}},
                 [](C& c, std::string_view v) -> Status {
                   c.store.chdb_library = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.store.chdb_library; },
                 true});
    t.push_back(bytes_key("store.memory_limit_bytes",
                          "memory cap of the embedded engine (0: half the machine's memory)",
                          &C::store, &C::Store::memory_limit_bytes));
    t.push_back(int_key("store.ingest_connections", "engine connections for writes", &C::store,
                        &C::Store::ingest_connections, 1, 64));
    t.push_back(int_key("store.interactive_connections", "engine connections for API queries",
                        &C::store, &C::Store::interactive_connections, 1, 64));
    t.push_back(int_key("store.background_connections", "engine connections for scheduled jobs",
                        &C::store, &C::Store::background_connections, 1, 64));
    t.push_back(int_key("store.system_log_ttl_days", "days the engine keeps its own system logs",
                        &C::store, &C::Store::system_log_ttl_days, 1, 365));
    t.push_back(bytes_key("wal.segment_bytes",
                          "size at which the write-ahead log starts a new file", &C::wal,
                          &C::Wal::segment_bytes));
    t.push_back(bytes_key("wal.max_pending_bytes",
                          "unwritten data the write-ahead log may hold before intake answers 503",
                          &C::wal, &C::Wal::max_pending_bytes));
    t.push_back(bool_key("api.sql_enabled", "serve POST /api/v1/sql (raw SQL, for operators)",
                         &C::api, &C::Api::sql_enabled));
    t.push_back(
        {{"ui.dir", "directory of the built web UI (empty: beside the binary or ui/dist)", {}},
         [](C& c, std::string_view v) -> Status {
           c.ui.dir = trim(v);
           return {};
         },
         [](const C& c) { return c.ui.dir; },
         true});
    t.push_back(int_key("monitors.interval_seconds", "how often each monitor is evaluated",
                        &C::monitors, &C::Monitors::interval_seconds, 1, 3600));
    t.push_back(
        {{"notifications.base_url", "start of links back to monitors (empty: http://<listen>)", {}},
         [](C& c, std::string_view v) -> Status {
           c.notifications.base_url = trim(v);
           return {};
         },
         [](const C& c) { return c.notifications.base_url; },
         true});
    t.push_back({{"notifications.smtp_url",
                  "SMTP server for e-mail: smtp://host:port or smtps://host:port (empty: none)",
                  {}},
                 [](C& c, std::string_view v) -> Status {
                   c.notifications.smtp_url = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.notifications.smtp_url; },
                 true});
    t.push_back({{"notifications.smtp_username", "SMTP user (empty: no AUTH)", {}},
                 [](C& c, std::string_view v) -> Status {
                   c.notifications.smtp_username = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.notifications.smtp_username; },
                 true});
    t.push_back({{"notifications.smtp_password", "SMTP password", {}},
                 [](C& c, std::string_view v) -> Status {
                   c.notifications.smtp_password = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.notifications.smtp_password; },
                 true});
    t.push_back({{"notifications.smtp_from", "sender address of notification e-mail", {}},
                 [](C& c, std::string_view v) -> Status {
                   c.notifications.smtp_from = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.notifications.smtp_from; },
                 true});
    t.push_back(bool_key("notifications.smtp_require_starttls",
                         "refuse to send e-mail unless the server takes STARTTLS",
                         &C::notifications, &C::Notifications::smtp_require_starttls));
    t.push_back(bool_key("notifications.smtp_verify_tls", "check the SMTP server's certificate",
                         &C::notifications, &C::Notifications::smtp_verify_tls));
    t.push_back(int_key("notifications.attempts", "delivery attempts per notification",
                        &C::notifications, &C::Notifications::attempts, 1, 20));
    t.push_back(int_key("notifications.backoff_ms",
                        "wait before the second attempt, doubled after each", &C::notifications,
                        &C::Notifications::backoff_ms, 1, 3'600'000));
    t.push_back(int_key("notifications.timeout_ms", "time allowed for one delivery attempt",
                        &C::notifications, &C::Notifications::timeout_ms, 100, 600'000));
    t.push_back(int_key("dogstatsd.flush_interval_seconds",
                        "DogStatsD aggregation interval in seconds", &C::dogstatsd,
                        &C::Dogstatsd::flush_interval_seconds, 1, 3600));
    t.push_back({{"dogstatsd.socket_path", "DogStatsD Unix datagram socket (empty: none)", {}},
                 [](C& c, std::string_view v) -> Status {
                   c.dogstatsd.socket_path = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.dogstatsd.socket_path; },
                 true});
    t.push_back(int_key("dogstatsd.max_series",
                        "DogStatsD series kept per interval; samples of further series are dropped",
                        &C::dogstatsd, &C::Dogstatsd::max_series, 1, 100'000'000));
    t.push_back({{"intake.api_keys",
                  "comma-separated Datadog API keys the HTTP intake accepts (empty: any)",
                  {}},
                 [](C& c, std::string_view v) -> Status {
                   c.intake.api_keys = trim(v);
                   return {};
                 },
                 [](const C& c) { return c.intake.api_keys; },
                 true});
    for (auto& h : t) {
      std::string env = "HEELER_" + h.key.name;
      for (char& ch : env) ch = ch == '.' ? '_' : static_cast<char>(std::toupper(ch));
      h.key.env = env;
    }
    return t;
  }();
  return table;
}

const KeyHandler* find_handler(std::string_view key) {
  for (const auto& h : handlers())
    if (h.key.name == key) return &h;
  return nullptr;
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += c;
    }
  }
  return out + "\"";
}

Status apply_toml_table(Config& config, const toml::table& table, const std::string& prefix,
                        std::string_view origin) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      HEELER_RETURN_IF_ERROR(apply_toml_table(config, *sub, key, origin));
      continue;
    }
    std::string text;
    if (auto s = node.value<std::string>(); s && node.is_string())
      text = *s;
    else if (node.is_integer())
      text = std::to_string(*node.value<int64_t>());
    else if (node.is_boolean())
      text = *node.value<bool>() ? "true" : "false";
    else
      return Status(
          Code::config_invalid,
          fmt::format("{}: config key '{}': expected a string, integer or boolean", origin, key));
    Status st = set_config_value(config, key, text);
    if (!st.ok()) return Status(st.code(), fmt::format("{}: {}", origin, st.message()));
  }
  return {};
}

}  // namespace

std::string ListenAddress::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  std::string t = trim(text);
  std::string host = "127.0.0.1";
  std::string port_text;
  if (!t.empty() && t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string::npos || close + 1 >= t.size() || t[close + 1] != ':')
      return Status(Code::config_invalid, fmt::format("'{}' is not HOST:PORT", text));
    host = t.substr(1, close - 1);
    port_text = t.substr(close + 2);
  } else if (auto colon = t.rfind(':'); colon != std::string::npos) {
    if (colon > 0) host = t.substr(0, colon);
    port_text = t.substr(colon + 1);
  } else {
    port_text = t;
  }
  if (host.empty() || host.find_first_of(" /") != std::string::npos)
    return Status(Code::config_invalid, fmt::format("'{}' is not HOST:PORT", text));
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port < 0 || port > 65535)
    return Status(Code::config_invalid,
                  fmt::format("'{}' is not HOST:PORT with a port from 0 to 65535", text));
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  std::string t = trim(text);
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + digits, n);
  if (digits == 0 || ec != std::errc())
    return Status(Code::config_invalid, fmt::format("'{}' is not a size such as 512MiB", text));
  std::string unit = trim(std::string_view(t).substr(digits));
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const std::vector<std::pair<std::string, uint64_t>> units = {{"", 1},
                                                                      {"b", 1},
                                                                      {"k", 1000},
                                                                      {"kb", 1000},
                                                                      {"kib", 1ull << 10},
                                                                      {"m", 1000000},
                                                                      {"mb", 1000000},
                                                                      {"mib", 1ull << 20},
                                                                      {"g", 1000000000},
                                                                      {"gb", 1000000000},
                                                                      {"gib", 1ull << 30},
                                                                      {"t", 1000000000000ull},
                                                                      {"tb", 1000000000000ull},
                                                                      {"tib", 1ull << 40}};
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      if (n > UINT64_MAX / factor)
        return Status(Code::config_invalid, fmt::format("'{}' is too large", text));
      return n * factor;
    }
  }
  return Status(
      Code::config_invalid,
      fmt::format("'{}' has an unknown unit '{}' (use B, KiB, MiB, GiB, KB, MB, GB)", text, unit));
}

Status Config::validate() const {
  if (data_dir.empty()) return key_error("data_dir", "must not be empty");
  if (listen.host.empty()) return key_error("listen", "host must not be empty");
  if (http.max_body_bytes == 0) return key_error("http.max_body_bytes", "must be greater than 0");
  if (http.max_decoded_body_bytes < http.max_body_bytes)
    return key_error("http.max_decoded_body_bytes", "must be at least http.max_body_bytes");
  if (wal.segment_bytes < (1ull << 20))
    return key_error("wal.segment_bytes", "must be at least 1MiB");
  if (wal.max_pending_bytes < wal.segment_bytes)
    return key_error("wal.max_pending_bytes", "must be at least wal.segment_bytes");
  if (store.memory_limit_bytes != 0 && store.memory_limit_bytes < (256ull << 20))
    return key_error("store.memory_limit_bytes", "must be 0 (automatic) or at least 256MiB");
  // Two enabled listeners may not share an address.
  std::vector<std::pair<std::string, const ListenAddress*>> addrs = {
      {"listen", &listen},
      {"otlp_http_listen", &otlp_http_listen},
      {"otlp_grpc_listen", &otlp_grpc_listen},
      {"apm_listen", &apm_listen},
      {"dogstatsd_listen", &dogstatsd_listen}};
  for (size_t i = 0; i < addrs.size(); ++i) {
    for (size_t j = i + 1; j < addrs.size(); ++j) {
      const auto& a = *addrs[i].second;
      const auto& b = *addrs[j].second;
      // DogStatsD is UDP: it may share a port number with a TCP listener.
      bool udp = addrs[i].first == "dogstatsd_listen" || addrs[j].first == "dogstatsd_listen";
      if (!udp && a.enabled() && b.enabled() && a == b)
        return key_error(addrs[j].first,
                         fmt::format("{} is already used by '{}'", b.to_string(), addrs[i].first));
    }
  }
  return {};
}

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const auto& h : handlers()) out.push_back(h.key);
    return out;
  }();
  return keys;
}

Status set_config_value(Config& config, std::string_view key, std::string_view value) {
  const KeyHandler* h = find_handler(key);
  if (!h) return Status(Code::config_invalid, fmt::format("unknown config key '{}'", key));
  return h->set(config, value);
}

Result<std::string> get_config_value(const Config& config, std::string_view key) {
  const KeyHandler* h = find_handler(key);
  if (!h) return Status(Code::config_invalid, fmt::format("unknown config key '{}'", key));
  return h->get(config);
}

Status apply_toml(Config& config, std::string_view toml_text, std::string_view origin) {
  toml::table parsed;
  try {
    parsed = toml::parse(toml_text, std::string(origin));
  } catch (const toml::parse_error& err) {
    return Status(Code::config_invalid, fmt::format("{}:{}:{}: {}", origin, err.source().begin.line,
                                                    err.source().begin.column, err.description()));
  }
  return apply_toml_table(config, parsed, "", origin);
}

Status apply_toml_file(Config& config, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return Status(Code::config_invalid, fmt::format("cannot read config file {}", file.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return apply_toml(config, buffer.str(), file.string());
}

Status apply_environment(Config& config, const std::vector<std::string>& environment) {
  for (const auto& entry : environment) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.compare(0, 7, "HEELER_") != 0) continue;
    std::string name = entry.substr(0, eq);
    if (name == "HEELER_CONFIG") continue;
    const KeyHandler* match = nullptr;
    for (const auto& h : handlers())
      if (h.key.env == name) match = &h;
    if (!match) continue;  // other HEELER_* variables belong to tests and tools
    Status st = match->set(config, std::string_view(entry).substr(eq + 1));
    if (!st.ok()) return Status(st.code(), fmt::format("environment {}: {}", name, st.message()));
  }
  return {};
}

std::string render_toml(const Config& config) {
  std::string top, sections;
  std::string current;
  for (const auto& h : handlers()) {
    const std::string& name = h.key.name;
    auto dot = name.find('.');
    std::string value = h.get(config);
    std::string line =
        fmt::format("{} = {}\n", dot == std::string::npos ? name : name.substr(dot + 1),
                    h.quoted ? toml_quote(value) : value);
    if (dot == std::string::npos) {
      top += line;
    } else {
      std::string section = name.substr(0, dot);
      if (section != current) {
        sections += fmt::format("\n[{}]\n", section);
        current = section;
      }
      sections += line;
    }
  }
  return top + sections;
}

Result<Config> load_config(const ConfigSources& sources) {
  Config config;
  std::string file = sources.config_file;
  if (file.empty()) {
    for (const auto& e : sources.environment)
      if (e.rfind("HEELER_CONFIG=", 0) == 0) file = e.substr(14);
  }
  if (!file.empty()) HEELER_RETURN_IF_ERROR(apply_toml_file(config, file));
  HEELER_RETURN_IF_ERROR(apply_environment(config, sources.environment));
  for (const auto& [key, value] : sources.overrides) {
    Status st = set_config_value(config, key, value);
    if (!st.ok()) return Status(st.code(), fmt::format("flag: {}", st.message()));
  }
  HEELER_RETURN_IF_ERROR(config.validate());
  return config;
}

}  // namespace heeler::core
