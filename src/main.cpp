// heeler: one binary for metrics, logs, traces and the rest. `heeler serve` (the
// default) runs the server; `heeler version` prints the build.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/ci_command.h"
#include "cli/query_command.h"
#include "core/config.h"
#include "server/serve.h"

extern char** environ;

namespace {

struct Flag {
  const char* name;
  const char* key;
  const char* help;
  std::optional<std::string> value;
};

std::vector<std::string> environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

std::string keys_help() {
  std::string out =
      "Configuration keys (TOML file keys; environment variables; --set KEY=VALUE):\n";
  for (const auto& k : heeler::core::config_keys())
    out += fmt::format("  {:<30} {:<36} {}\n", k.name, k.env, k.help);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  heeler::server::block_stop_signals();

  CLI::App app{"Heeler: self-hosted observability — metrics, logs, traces and more in one binary."};
  app.footer(keys_help());
  app.require_subcommand(0, 1);

  std::string config_file;
  std::vector<std::string> sets;
  bool print_config = false;
  std::vector<Flag> flags = {
      {"--data-dir", "data_dir", "data directory (default ./data)", {}},
      {"--listen", "listen", "HTTP API and UI address (default 127.0.0.1:8080)", {}},
      {"--otlp-http-listen",
       "otlp_http_listen",
       "OTLP/HTTP receiver (default :4318; port 0 disables)",
       {}},
      {"--otlp-grpc-listen",
       "otlp_grpc_listen",
       "OTLP/gRPC receiver (default :4317; port 0 disables)",
       {}},
      {"--apm-listen", "apm_listen", "Datadog tracer intake (default :8126; port 0 disables)", {}},
      {"--dogstatsd-listen",
       "dogstatsd_listen",
       "DogStatsD UDP (default :8125; port 0 disables)",
       {}},
      {"--log-level", "log_level", "debug, info, warn or error", {}},
      {"--memory-limit",
       "store.memory_limit_bytes",
       "memory cap of the embedded store, e.g. 4GiB",
       {}},
  };

  auto add_common = [&](CLI::App& cmd) {
    cmd.add_option("-c,--config", config_file, "TOML configuration file (or HEELER_CONFIG)");
    // A flag given twice takes its last value, so wrappers can append overrides.
    for (auto& f : flags)
      cmd.add_option(f.name, f.value, f.help)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    cmd.add_option("--set", sets, "set any configuration key: --set http.threads=8");
    cmd.add_flag("--print-config", print_config,
                 "print the effective configuration as TOML and exit");
  };
  add_common(app);
  CLI::App* serve = app.add_subcommand("serve", "run the server (the default)");
  serve->fallthrough();
  CLI::App* version = app.add_subcommand("version", "print the version and exit");

  heeler::cli::QueryOptions query_options;
  bool query_logs = false, query_spans = false;
  CLI::App* query = app.add_subcommand(
      "query", "run a metric query, a log search or a span search against a running server");
  query
      ->add_option("query", query_options.query,
                   "metric query or formula (avg:cpu{env:prod} by {host}), or a search with "
                   "--logs/--spans")
      ->required();
  query->add_option("--server", query_options.server, "server URL (default http://127.0.0.1:8080)");
  query->add_option("--from", query_options.from,
                    "start: now-1h, RFC 3339 or epoch (default now-1h)");
  query->add_option("--to", query_options.to, "end (default now)");
  query->add_flag("--logs", query_logs, "search logs");
  query->add_flag("--spans", query_spans, "search spans");
  query->add_option("--limit", query_options.limit, "rows of a search (default 50)")
      ->check(CLI::Range(1, 5000));
  query->add_flag("--points", query_options.points, "print every point, not a summary");
  query->add_flag("--json", query_options.json, "print the server's JSON answer");

  heeler::cli::RunTestsOptions run_tests;
  CLI::App* ci = app.add_subcommand("ci", "commands for CI pipelines");
  CLI::App* ci_synthetics =
      ci->add_subcommand("synthetics", "synthetic tests")->require_subcommand(1);
  CLI::App* ci_run_tests = ci_synthetics->add_subcommand(
      "run-tests", "run synthetic tests and exit non-zero when one fails");
  ci_run_tests->add_option("--server", run_tests.server,
                           "server URL (default http://127.0.0.1:8080)");
  ci_run_tests->add_option("-s,--search", run_tests.search,
                           "tests whose tags, status and name match: 'tag:smoke checkout'");
  ci_run_tests->add_option("-p,--public-id", run_tests.public_ids,
                           "a test's public id (repeatable)");
  ci_run_tests
      ->add_option("--timeout", run_tests.timeout_seconds,
                   "seconds to wait for every run (default 600)")
      ->check(CLI::Range(1, 86400));
  ci->require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (query->parsed()) {
    if (query_logs && query_spans) {
      std::fprintf(stderr, "heeler query: choose --logs or --spans, not both\n");
      return 2;
    }
    if (query_logs) query_options.kind = heeler::cli::QueryOptions::Kind::logs;
    if (query_spans) query_options.kind = heeler::cli::QueryOptions::Kind::spans;
    return heeler::cli::run_query(query_options, stdout, stderr);
  }

  if (ci_run_tests->parsed()) {
    if (run_tests.search.empty() && run_tests.public_ids.empty()) {
      std::fprintf(stderr, "heeler ci synthetics run-tests: give --search or --public-id\n");
      return 2;
    }
    return heeler::cli::run_synthetics_tests(run_tests, stdout, stderr);
  }

  if (version->parsed()) {
    std::printf("heeler %s\n", HEELER_VERSION);
    return 0;
  }

  heeler::core::ConfigSources sources;
  sources.config_file = config_file;
  sources.environment = environment();
  for (const auto& f : flags)
    if (f.value) sources.overrides.emplace_back(f.key, *f.value);
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "heeler: --set expects KEY=VALUE, got '%s'\n", s.c_str());
      return 2;
    }
    sources.overrides.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  auto config = heeler::core::load_config(sources);
  if (!config) {
    std::fprintf(stderr, "heeler: invalid configuration: %s\n", config.status().message().c_str());
    return 2;
  }
  if (print_config) {
    std::fputs(heeler::core::render_toml(*config).c_str(), stdout);
    return 0;
  }
  (void)serve;
  return heeler::server::run_serve(*config);
}
