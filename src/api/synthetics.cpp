#include "api/synthetics.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "query/time_spec.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

core::Result<json> parse_body(const Request& r) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::invalid_argument, "the body is not valid JSON");
  if (!body.is_object())
    return core::Status(core::Code::invalid_argument, "the body must be a JSON object");
  return body;
}

Response test_json(synthetics::TestStore& tests, const std::string& id) {
  auto t = tests.get(id);
  if (!t) return Response::error(t.status());
  return Response::json(200, synthetics::TestStore::to_json(*t).dump());
}

Response trigger(synthetics::SyntheticsService& service, Request& r, const std::string& run_type) {
  auto body = parse_body(r);
  if (!body) return Response::error(body.status());
  const json tests = body->value("tests", json());
  if (!tests.is_array() || tests.empty())
    return Response::error(400, "tests must be a non-empty array of {public_id}");
  std::vector<std::string> ids;
  for (const json& t : tests) {
    if (!t.is_object() || !t.value("public_id", json()).is_string())
      return Response::error(400, "each of tests must be {public_id}");
    ids.push_back(t["public_id"]);
  }
  auto queued = service.trigger(ids, run_type);
  if (!queued) return Response::error(queued.status());
  // Datadog numbers the locations of a batch and names each run's location by number.
  json results = json::array(), check_ids = json::array(), locations = json::array();
  std::map<std::string, int64_t> location_ids;
  for (const auto& q : *queued) {
    auto [it, added] =
        location_ids.try_emplace(q.location, static_cast<int64_t>(location_ids.size()));
    if (added) locations.push_back({{"id", it->second}, {"name", q.location}});
    results.push_back({{"public_id", q.public_id},
                       {"result_id", q.result_id},
                       {"location", it->second},
                       {"device", nullptr}});
    check_ids.push_back(q.public_id);
  }
  return Response::json(200, json{{"batch_id", synthetics::new_result_id()},
                                  {"locations", std::move(locations)},
                                  {"results", std::move(results)},
                                  {"triggered_check_ids", std::move(check_ids)}}
                                 .dump());
}

// The monitor a test drives, from its alert condition and message.
core::Result<monitors::Monitor> monitor_for(const synthetics::ApiTest& t, const std::string& id) {
  json body = {{"type", "synthetics alert"},
               {"name", "[Synthetics] " + t.name},
               {"query", fmt::format("synthetics(\"{}\").over(\"*\").last(\"{}s\") >= {}", id,
                                     t.min_failure_duration_s, std::max(1, t.min_location_failed))},
               {"message", t.message},
               {"tags", t.tags},
               {"options", {{"thresholds", {{"critical", std::max(1, t.min_location_failed)}}}}}};
  const json monitor_options =
      t.body.value("options", json::object()).value("monitor_options", json());
  if (monitor_options.is_object()) {
    if (auto r = monitor_options.find("renotify_interval"); r != monitor_options.end())
      body["options"]["renotify_interval"] = *r;
  }
  auto m = monitors::parse_monitor(body);
  if (!m)
    return core::error(core::Code::invalid_argument, "the test's alert: {}", m.status().message());
  return m;
}

}  // namespace

void add_synthetics_routes(net::Router& router, SyntheticsServices services) {
  synthetics::TestStore& tests = services.tests;
  synthetics::SyntheticsService& service = services.service;
  monitors::MonitorStore& monitors = services.monitors;
  monitors::MonitorScheduler& scheduler = services.scheduler;
  router.add("POST", "/api/v1/synthetics/tests/api", [&tests, &monitors, &scheduler](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    auto t = synthetics::parse_api_test(*body);
    if (!t) return Response::error(t.status());
    // The monitor is checked before anything is stored (its message is a template).
    if (auto check = monitor_for(*t, "xxx-xxx-xxx"); !check) return Response::error(check.status());
    const int64_t now = query::now_ms();
    auto id = tests.create(*t, now);
    if (!id) return Response::error(id.status());
    auto m = monitor_for(*t, *id);
    if (!m) return Response::error(m.status());
    auto monitor_id = monitors.create(*m, now);
    if (!monitor_id) return Response::error(monitor_id.status());
    if (auto st = tests.set_monitor(*id, *monitor_id); !st.ok()) return Response::error(st);
    scheduler.wake(*monitor_id);
    return test_json(tests, *id);
  });
  router.add("GET", "/api/v1/synthetics/tests", [&tests](Request&) {
    auto all = tests.list();
    if (!all) return Response::error(all.status());
    json out = json::array();
    for (const auto& t : *all) out.push_back(synthetics::TestStore::to_json(t));
    return Response::json(200, json{{"tests", std::move(out)}}.dump());
  });
  for (const char* path :
       {"/api/v1/synthetics/tests/{public_id}", "/api/v1/synthetics/tests/api/{public_id}"})
    router.add("GET", path,
               [&tests](Request& r) { return test_json(tests, r.path_params["public_id"]); });
  router.add("PUT", "/api/v1/synthetics/tests/api/{public_id}",
             [&tests, &monitors, &scheduler](Request& r) {
               auto body = parse_body(r);
               if (!body) return Response::error(body.status());
               auto t = synthetics::parse_api_test(*body);
               if (!t) return Response::error(t.status());
               const std::string id = r.path_params["public_id"];
               auto m = monitor_for(*t, id);
               if (!m) return Response::error(m.status());
               auto current = tests.get(id);
               if (!current) return Response::error(current.status());
               if (auto st = tests.replace(id, *t, query::now_ms()); !st.ok())
                 return Response::error(st);
               if (current->monitor_id) {
                 if (auto st = monitors.replace(current->monitor_id, *m, query::now_ms()); !st.ok())
                   return Response::error(st);
                 scheduler.wake(current->monitor_id);
               }
               return test_json(tests, id);
             });
  router.add("PUT", "/api/v1/synthetics/tests/{public_id}/status", [&tests](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    const std::string status = core::field(*body, "new_status", "");
    if (status != "live" && status != "paused")
      return Response::error(400, "new_status must be \"live\" or \"paused\"");
    const std::string id = r.path_params["public_id"];
    auto t = tests.get(id);
    if (!t) return Response::error(t.status());
    json changed = t->test.body;
    changed["status"] = status;
    auto parsed = synthetics::parse_api_test(changed);
    if (!parsed) return Response::error(parsed.status());
    if (auto st = tests.replace(id, *parsed, query::now_ms()); !st.ok()) return Response::error(st);
    return Response::json(200, "true");
  });
  router.add("POST", "/api/v1/synthetics/tests/delete", [&tests, &monitors](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    const json ids = body->value("public_ids", json());
    if (!ids.is_array() || ids.empty())
      return Response::error(400, "public_ids must be a non-empty array");
    for (const json& id : ids)
      if (!id.is_string()) return Response::error(400, "public_ids must be strings");
    for (const json& id : ids)
      if (auto t = tests.get(id); !t) return Response::error(t.status());
    const std::chrono::sys_seconds now{std::chrono::seconds(query::now_ms() / 1000)};
    json deleted = json::array();
    for (const json& id : ids) {
      auto current = tests.get(id);
      if (!current) return Response::error(current.status());
      if (current->monitor_id) {
        auto st = monitors.remove(current->monitor_id);
        if (!st.ok() && st.code() != core::Code::not_found) return Response::error(st);
      }
      if (auto st = tests.remove(id); !st.ok()) return Response::error(st);
      deleted.push_back(
          {{"public_id", id}, {"deleted_at", fmt::format("{:%Y-%m-%dT%H:%M:%S}+00:00", now)}});
    }
    return Response::json(200, json{{"deleted_tests", std::move(deleted)}}.dump());
  });
  router.add("POST", "/api/v1/synthetics/tests/trigger",
             [&service](Request& r) { return trigger(service, r, "manual"); });
  router.add("POST", "/api/v1/synthetics/tests/trigger/ci",
             [&service](Request& r) { return trigger(service, r, "ci"); });
  router.add("GET", "/api/v1/synthetics/tests/{public_id}/results", [&service](Request& r) {
    auto out = service.results(r.path_params["public_id"], 150);
    if (!out) return Response::error(out.status());
    return Response::json(200, out->dump());
  });
  router.add("GET", "/api/v1/synthetics/tests/{public_id}/results/{result_id}",
             [&service](Request& r) {
               auto out = service.result(r.path_params["public_id"], r.path_params["result_id"]);
               if (!out) return Response::error(out.status());
               return Response::json(200, out->dump());
             });
}

}  // namespace heeler::api
