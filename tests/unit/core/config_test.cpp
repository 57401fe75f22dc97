#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace heeler::core {
namespace {

TEST(Config, DefaultsNeedNoFileAndValidate) {
  auto config = load_config({});
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(config->otlp_http_listen.port, 4318);
  EXPECT_EQ(config->otlp_grpc_listen.port, 4317);
  EXPECT_EQ(config->apm_listen.port, 8126);
  EXPECT_EQ(config->dogstatsd_listen.port, 8125);
  EXPECT_FALSE(config->api.sql_enabled);
}

TEST(Config, DefaultRoundTripsThroughToml) {
  Config original;
  Config parsed;
  parsed.http.threads = 99;  // proves the file overwrites it
  ASSERT_TRUE(apply_toml(parsed, render_toml(original), "rendered").ok());
  EXPECT_EQ(parsed, original);
}

TEST(Config, ChangedValuesRoundTripThroughToml) {
  Config original;
  original.data_dir = "/var/lib/heeler \"quoted\"";
  original.listen = {"::1", 9000};
  original.http.max_body_bytes = 1234567;
  original.store.memory_limit_bytes = 4ull << 30;
  original.api.sql_enabled = true;
  original.log_level = "debug";
  Config parsed;
  ASSERT_TRUE(apply_toml(parsed, render_toml(original), "rendered").ok());
  EXPECT_EQ(parsed, original);
}

TEST(Config, LayersFileThenEnvironmentThenFlags) {
  auto dir = std::filesystem::temp_directory_path() / "heeler-config-test";
  std::filesystem::create_directories(dir);
  auto file = dir / "heeler.toml";
  std::ofstream(file)
      << "data_dir = \"/from/file\"\nlisten = \"127.0.0.1:9001\"\n[http]\nthreads = 3\n";
  ConfigSources sources;
  sources.config_file = file.string();
  sources.environment = {"HEELER_LISTEN=127.0.0.1:9002", "HEELER_HTTP_THREADS=5", "PATH=/bin",
                         "HEELER_UNRELATED_TEST_VAR=1"};
  sources.overrides = {{"listen", "127.0.0.1:9003"}};
  auto config = load_config(sources);
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->data_dir, "/from/file");
  EXPECT_EQ(config->listen.port, 9003);  // flag beats environment beats file
  EXPECT_EQ(config->http.threads, 5);    // environment beats file
  std::filesystem::remove_all(dir);
}

TEST(Config, ConfigFileFromEnvironment) {
  auto file = std::filesystem::temp_directory_path() / "heeler-config-env.toml";
  std::ofstream(file) << "[store]\nmemory_limit_bytes = \"2GiB\"\n";
  auto config = load_config({.environment = {"HEELER_CONFIG=" + file.string()}});
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->store.memory_limit_bytes, 2ull << 30);
  std::filesystem::remove(file);
}

TEST(Config, ErrorsNameTheKeyAndTheReason) {
  struct Case {
    std::string key, value, expect;
  } cases[] = {
      {"http.threads", "abc", "config key 'http.threads': expected an integer, got 'abc'"},
      {"http.threads", "0", "config key 'http.threads': 0 is out of range [1, 256]"},
      {"listen", "localhost:99999", "config key 'listen'"},
      {"listen", "nonsense", "config key 'listen'"},
      {"log_level", "loud", "config key 'log_level': 'loud' is not one of"},
      {"store.memory_limit_bytes", "12 parsecs", "config key 'store.memory_limit_bytes'"},
      {"api.sql_enabled", "perhaps", "config key 'api.sql_enabled': expected true or false"},
      {"no.such.key", "1", "unknown config key 'no.such.key'"},
  };
  for (const auto& c : cases) {
    Config config;
    Status st = set_config_value(config, c.key, c.value);
    EXPECT_EQ(st.code(), Code::config_invalid) << c.key;
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
  }
}

TEST(Config, FileErrorsNameFileLineAndKey) {
  Config config;
  Status st =
      apply_toml(config, "listen = \"127.0.0.1:1\"\n[http]\nthreads = \"many\"\n", "my.toml");
  EXPECT_EQ(st.code(), Code::config_invalid);
  EXPECT_NE(st.message().find("my.toml"), std::string::npos);
  EXPECT_NE(st.message().find("http.threads"), std::string::npos);

  Status syntax = apply_toml(config, "listen = \n", "bad.toml");
  EXPECT_EQ(syntax.code(), Code::config_invalid);
  EXPECT_NE(syntax.message().find("bad.toml:1"), std::string::npos) << syntax.message();

  auto missing = load_config({.config_file = "/nonexistent/heeler.toml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/heeler.toml"), std::string::npos);
}

TEST(Config, EnvironmentErrorsNameTheVariable) {
  auto config = load_config({.environment = {"HEELER_HTTP_THREADS=lots"}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("HEELER_HTTP_THREADS"), std::string::npos);
}

TEST(Config, PortZeroDisablesAReceiverAndDuplicatesAreRejected) {
  auto disabled = load_config({.overrides = {{"otlp_grpc_listen", "127.0.0.1:0"}}});
  ASSERT_TRUE(disabled.ok());
  EXPECT_FALSE(disabled->otlp_grpc_listen.enabled());

  auto clash = load_config({.overrides = {{"apm_listen", "127.0.0.1:8080"}}});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("apm_listen"), std::string::npos);

  // DogStatsD is UDP and may share a port number with a TCP listener.
  auto udp = load_config({.overrides = {{"dogstatsd_listen", "127.0.0.1:8080"}}});
  EXPECT_TRUE(udp.ok());
}

TEST(Config, EveryKeyHasAnEnvironmentName) {
  for (const auto& key : config_keys()) {
    EXPECT_EQ(key.env.rfind("HEELER_", 0), 0u) << key.name;
    EXPECT_FALSE(key.help.empty()) << key.name;
    Config config;
    auto value = get_config_value(config, key.name);
    ASSERT_TRUE(value.ok()) << key.name;
    EXPECT_TRUE(set_config_value(config, key.name, *value).ok()) << key.name << "=" << *value;
  }
}

TEST(ListenAddress, Forms) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:80")->to_string(), "0.0.0.0:80");
  EXPECT_EQ(parse_listen_address(":4318")->to_string(), "127.0.0.1:4318");
  EXPECT_EQ(parse_listen_address("4318")->to_string(), "127.0.0.1:4318");
  EXPECT_EQ(parse_listen_address("[::1]:8080")->to_string(), "[::1]:8080");
  EXPECT_EQ(parse_listen_address("localhost:0")->port, 0);
  EXPECT_FALSE(parse_listen_address("host:-1").ok());
  EXPECT_FALSE(parse_listen_address("[::1]8080").ok());
  EXPECT_FALSE(parse_listen_address("").ok());
}

TEST(ByteSize, Units) {
  EXPECT_EQ(*parse_byte_size("1024"), 1024u);
  EXPECT_EQ(*parse_byte_size("64KiB"), 64u << 10);
  EXPECT_EQ(*parse_byte_size("64 MiB"), 64u << 20);
  EXPECT_EQ(*parse_byte_size("4gib"), 4ull << 30);
  EXPECT_EQ(*parse_byte_size("1GB"), 1000000000u);
  EXPECT_FALSE(parse_byte_size("MiB").ok());
  EXPECT_FALSE(parse_byte_size("5 lightyears").ok());
  EXPECT_FALSE(parse_byte_size("99999999999999999999").ok());
  EXPECT_FALSE(parse_byte_size("99999999999TiB").ok());
}

}  // namespace
}  // namespace heeler::core
