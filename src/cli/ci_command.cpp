#include "cli/ci_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "net/http_client.h"

namespace heeler::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool matches(const json& test, const std::string& search) {
  std::istringstream terms(search);
  const std::string name = lower(test.value("name", ""));
  for (std::string term; terms >> term;) {
    if (term.rfind("tag:", 0) == 0) {
      const std::string tag = term.substr(4);
      const json tags = test.value("tags", json::array());
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) return false;
    } else if (term.rfind("status:", 0) == 0) {
      if (test.value("status", "live") != term.substr(7)) return false;
    } else if (name.find(lower(term)) == std::string::npos) {
      return false;
    }
  }
  return true;
}

// The server's error message, or the status.
std::string refusal(const net::ClientReply& reply) {
  json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty())
    return body["errors"][0].is_string() ? body["errors"][0].get<std::string>()
                                         : body["errors"][0].dump();
  return fmt::format("HTTP {}", reply.status);
}

struct Run {
  std::string public_id, name, location, result_id;
  bool done = false;
  json result;
};

// The failing step and its error, for people reading a CI log.
std::string failure_of(const json& result) {
  const json r = result.value("result", json::object());
  const json failure = r.value("failure", json::object());
  std::string line = fmt::format("{}: {}", failure.value("code", "FAILED"),
                                 failure.value("message", "the test failed"));
  return line;
}

}  // namespace

int run_synthetics_tests(const RunTestsOptions& options, std::FILE* out, std::FILE* err) {
  auto server = net::parse_url(options.server);
  if (!server) {
    std::fprintf(err, "heeler ci: %s\n", server.status().message().c_str());
    return 2;
  }
  auto listed = net::http_call(*server, "GET", "/api/v1/synthetics/tests");
  if (!listed) {
    std::fprintf(err, "heeler ci: cannot reach %s: %s\n", options.server.c_str(),
                 listed.status().message().c_str());
    return 2;
  }
  if (listed->status != 200) {
    std::fprintf(err, "heeler ci: the server refused to list tests: %s\n",
                 refusal(*listed).c_str());
    return 2;
  }
  json tests = json::parse(listed->body, nullptr, false);
  std::map<std::string, std::string> names;
  json wanted = json::array();
  for (const json& t : tests.value("tests", json::array())) {
    const std::string id = t.value("public_id", "");
    const bool by_id = std::find(options.public_ids.begin(), options.public_ids.end(), id) !=
                       options.public_ids.end();
    const bool by_search = !options.search.empty() && matches(t, options.search);
    if (!by_id && !by_search) continue;
    names[id] = t.value("name", id);
    wanted.push_back({{"public_id", id}});
  }
  for (const std::string& id : options.public_ids)
    if (!names.count(id)) {
      std::fprintf(err, "heeler ci: no test has the id %s\n", id.c_str());
      return 1;
    }
  if (wanted.empty()) {
    std::fprintf(err, "heeler ci: no test matches the search '%s'\n", options.search.c_str());
    return 1;
  }
  auto triggered = net::http_call(*server, "POST", "/api/v1/synthetics/tests/trigger/ci",
                                  json{{"tests", wanted}}.dump());
  if (!triggered) {
    std::fprintf(err, "heeler ci: cannot reach %s: %s\n", options.server.c_str(),
                 triggered.status().message().c_str());
    return 2;
  }
  if (triggered->status != 200) {
    std::fprintf(err, "heeler ci: the server refused to run the tests: %s\n",
                 refusal(*triggered).c_str());
    return 2;
  }
  json batch = json::parse(triggered->body, nullptr, false);
  std::map<int64_t, std::string> locations;
  for (const json& l : batch.value("locations", json::array()))
    locations[l.value("id", int64_t{0})] = l.value("name", "");
  std::vector<Run> runs;
  for (const json& r : batch.value("results", json::array())) {
    Run run;
    run.public_id = r.value("public_id", "");
    run.result_id = r.value("result_id", "");
    run.location = locations[r.value("location", int64_t{0})];
    run.name = names[run.public_id];
    runs.push_back(std::move(run));
  }
  std::fprintf(out, "Running %zu test run(s) of %zu test(s)…\n", runs.size(), names.size());
  const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_seconds);
  size_t pending = runs.size();
  while (pending > 0 && Clock::now() < deadline) {
    for (Run& run : runs) {
      if (run.done) continue;
      auto reply = net::http_call(
          *server, "GET",
          fmt::format("/api/v1/synthetics/tests/{}/results/{}", run.public_id, run.result_id));
      if (!reply) {
        std::fprintf(err, "heeler ci: cannot reach %s: %s\n", options.server.c_str(),
                     reply.status().message().c_str());
        return 2;
      }
      if (reply->status == 404) continue;  // still running
      if (reply->status != 200) {
        std::fprintf(err, "heeler ci: cannot read a result: %s\n", refusal(*reply).c_str());
        return 2;
      }
      run.result = json::parse(reply->body, nullptr, false);
      run.done = true;
      --pending;
    }
    if (pending) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  int failed = 0;
  for (const Run& run : runs) {
    if (!run.done) {
      ++failed;
      std::fprintf(out, "✗ %s [%s] at %s: no result within %d s\n", run.name.c_str(),
                   run.public_id.c_str(), run.location.c_str(), options.timeout_seconds);
      continue;
    }
    const json r = run.result.value("result", json::object());
    const double ms = r.value("timings", json::object()).value("total", 0.0);
    if (r.value("passed", false)) {
      std::fprintf(out, "✓ %s [%s] passed at %s in %.0f ms\n", run.name.c_str(),
                   run.public_id.c_str(), run.location.c_str(), ms);
    } else {
      ++failed;
      std::fprintf(out, "✗ %s [%s] failed at %s — %s\n", run.name.c_str(), run.public_id.c_str(),
                   run.location.c_str(), failure_of(run.result).c_str());
      for (const json& step : r.value("steps", json::array()))
        if (!step.value("passed", true))
          std::fprintf(out, "    step '%s': %s\n", step.value("name", "?").c_str(),
                       step.value("failure", json::object()).value("message", "").c_str());
    }
  }
  std::fprintf(out, "%zu passed, %d failed\n", runs.size() - static_cast<size_t>(failed), failed);
  return failed ? 1 : 0;
}

}  // namespace heeler::cli
