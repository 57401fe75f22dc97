// What users configure, and nothing that code wires. Sources, later ones winning:
// built-in defaults → a TOML file (--config or HEELER_CONFIG) → HEELER_* environment
// variables → command-line flags. Every key has one dotted name ("http.threads");
// its environment variable is HEELER_ plus that name upper-cased with '.' → '_'
// (HEELER_HTTP_THREADS) and `--set http.threads=8` sets it from the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace heeler::core {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0 disables a receiver; for the API it picks a free port

  bool enabled() const { return port != 0; }
  std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"
  bool operator==(const ListenAddress&) const = default;
};

// "HOST:PORT", "[V6]:PORT", ":PORT" (host 127.0.0.1) or "PORT".
Result<ListenAddress> parse_listen_address(std::string_view text);
// "1048576", "64KiB", "64MiB", "4GiB", "1GB", "512MB".
Result<uint64_t> parse_byte_size(std::string_view text);

struct Config {
  std::filesystem::path data_dir = "./data";
  ListenAddress listen{"127.0.0.1", 8080};
  ListenAddress otlp_http_listen{"127.0.0.1", 4318};
  ListenAddress otlp_grpc_listen{"127.0.0.1", 4317};
  ListenAddress apm_listen{"127.0.0.1", 8126};
  ListenAddress dogstatsd_listen{"127.0.0.1", 8125};
  std::string log_level = "info";
  int shutdown_grace_seconds = 4;

  struct Http {
    uint64_t max_body_bytes = 64ull << 20;
    uint64_t max_decoded_body_bytes = 256ull << 20;
    int threads = 4;
    int idle_timeout_seconds = 60;
    int read_timeout_seconds = 30;
    bool log_requests = true;
    bool operator==(const Http&) const = default;
  } http;

  struct Store {
    std::string chdb_library;         // empty → beside the binary, then the build's pinned copy
    uint64_t memory_limit_bytes = 0;  // 0 → half of the machine's memory
    int ingest_connections = 1;
    int interactive_connections = 2;
    int background_connections = 1;
    int system_log_ttl_days = 3;
    bool operator==(const Store&) const = default;
  } store;

  struct Wal {
    uint64_t segment_bytes = 64ull << 20;
    uint64_t max_pending_bytes = 1ull << 30;  // beyond this intake answers 503 + Retry-After
    bool operator==(const Wal&) const = default;
  } wal;

  struct Dogstatsd {
    int flush_interval_seconds = 10;  // aggregation interval, buckets aligned on its multiples
    std::string socket_path;          // Unix datagram socket; empty: none
    int max_series = 1'000'000;       // live series per interval; beyond, samples are dropped
    bool operator==(const Dogstatsd&) const = default;
  } dogstatsd;

  struct Api {
    bool sql_enabled = false;  // POST /api/v1/sql: raw SQL on the embedded store, for operators
    bool operator==(const Api&) const = default;
  } api;

  struct Ui {
    std::string dir;  // the built web UI; empty → ui/ beside the binary, then the source's ui/dist
    bool operator==(const Ui&) const = default;
  } ui;

  struct Monitors {
    int interval_seconds = 60;  // each monitor is evaluated this often
    bool operator==(const Monitors&) const = default;
  } monitors;

  struct Notifications {
    std::string base_url;  // starts links back to monitors; empty: http://<listen>
    std::string smtp_url;  // smtp://host:port (STARTTLS when offered) or smtps://; empty: no e-mail
    std::string smtp_username;
    std::string smtp_password;
    std::string smtp_from = "heeler@localhost";
    bool smtp_require_starttls = false;
    bool smtp_verify_tls = true;
    int attempts = 3;        // per delivery
    int backoff_ms = 1000;   // before the second attempt, doubling after
    int timeout_ms = 10000;  // per attempt
    bool operator==(const Notifications&) const = default;
  } notifications;

  struct Intake {
    std::string api_keys;  // comma-separated Datadog API keys accepted; empty: any key
    bool operator==(const Intake&) const = default;
  } intake;

  bool operator==(const Config&) const = default;

  // Checks values that only make sense together; errors name the key.
  Status validate() const;
};

struct ConfigKey {
  std::string name;  // dotted, e.g. "http.threads"
  std::string help;
  std::string env;  // HEELER_HTTP_THREADS
};

// Every key, in a stable order (for --help, docs and tests).
const std::vector<ConfigKey>& config_keys();

// Sets one key from its text form; errors name the key and the reason.
Status set_config_value(Config& config, std::string_view key, std::string_view value);
// The text form of one key's current value.
Result<std::string> get_config_value(const Config& config, std::string_view key);

// Applies a TOML document (tables become dotted prefixes). `origin` names it in errors.
Status apply_toml(Config& config, std::string_view toml_text, std::string_view origin);
Status apply_toml_file(Config& config, const std::filesystem::path& file);
// Applies HEELER_* variables from `environ`-style "NAME=VALUE" strings.
Status apply_environment(Config& config, const std::vector<std::string>& environment);
// Renders every key as TOML (round-trips through apply_toml).
std::string render_toml(const Config& config);

struct ConfigSources {
  std::string config_file;  // from --config; empty → HEELER_CONFIG, if set
  std::vector<std::string> environment;
  std::vector<std::pair<std::string, std::string>> overrides;  // flags, in order
};

// Layers defaults, file, environment and overrides, then validates.
Result<Config> load_config(const ConfigSources& sources);

}  // namespace heeler::core
