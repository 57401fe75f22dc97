#include "synthetics/service.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <random>

#include "core/log.h"
#include "pipeline/signals.h"

namespace heeler::synthetics {
namespace {

using nlohmann::json;

core::Status not_found(const std::string& id) {
  return core::Status(core::Code::not_found, fmt::format("Synthetic test {} not found", id));
}

// The locations this server runs itself; others wait for a worker of that name.
bool runs_here(const std::string& location) {
  return location == "local";
}

}  // namespace

core::Result<std::string> TestStore::create(const ApiTest& test, int64_t now_ms) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string id = store::new_object_id();
    auto taken = meta_.query("SELECT 1 FROM synthetics_tests WHERE public_id = ?1", {id});
    if (!taken) return taken.status();
    if (!taken->empty()) continue;
    auto r = meta_.exec(
        "INSERT INTO synthetics_tests(public_id, body, created_ms, modified_ms) VALUES (?1, ?2, "
        "?3, ?3)",
        {id, test.body.dump(), now_ms});
    if (!r) return r.status();
    return id;
  }
  return core::Status(core::Code::internal, "no free test id after 8 tries");
}

core::Status TestStore::replace(const std::string& public_id, const ApiTest& test, int64_t now_ms) {
  auto r = meta_.exec(
      "UPDATE synthetics_tests SET body = ?2, modified_ms = max(?3, modified_ms + 1) WHERE "
      "public_id = ?1",
      {public_id, test.body.dump(), now_ms});
  if (!r) return r.status();
  return *r ? core::Status{} : not_found(public_id);
}

core::Status TestStore::set_monitor(const std::string& public_id, int64_t monitor_id) {
  auto r = meta_.exec("UPDATE synthetics_tests SET monitor_id = ?2 WHERE public_id = ?1",
                      {public_id, monitor_id});
  if (!r) return r.status();
  return *r ? core::Status{} : not_found(public_id);
}

core::Status TestStore::remove(const std::string& public_id) {
  auto r = meta_.exec("DELETE FROM synthetics_tests WHERE public_id = ?1", {public_id});
  if (!r) return r.status();
  return *r ? core::Status{} : not_found(public_id);
}

core::Result<StoredTest> TestStore::get(const std::string& public_id) {
  auto rows = meta_.query(
      "SELECT public_id, body, created_ms, modified_ms, monitor_id FROM synthetics_tests WHERE "
      "public_id = ?1",
      {public_id});
  if (!rows) return rows.status();
  if (rows->empty()) return not_found(public_id);
  const auto& row = rows->front();
  auto parsed = parse_api_test(json::parse(store::meta_text(row[1]), nullptr, false));
  if (!parsed)
    return core::Status(core::Code::internal, fmt::format("test {} no longer parses: {}", public_id,
                                                          parsed.status().message()));
  StoredTest out{std::move(*parsed), store::meta_int(row[2]), store::meta_int(row[3]),
                 store::meta_int(row[4])};
  out.test.public_id = store::meta_text(row[0]);
  return out;
}

core::Result<std::vector<StoredTest>> TestStore::list() {
  auto rows = meta_.query("SELECT public_id FROM synthetics_tests ORDER BY created_ms, public_id");
  if (!rows) return rows.status();
  std::vector<StoredTest> out;
  for (const auto& row : *rows) {
    auto t = get(store::meta_text(row[0]));
    if (!t) return t.status();
    out.push_back(std::move(*t));
  }
  return out;
}

json TestStore::to_json(const StoredTest& t) {
  json out = t.test.body;
  out["public_id"] = t.test.public_id;
  out["created_at"] = store::object_time(t.created_ms);
  out["modified_at"] = store::object_time(t.modified_ms);
  out["monitor_id"] = t.monitor_id ? nlohmann::json(t.monitor_id) : nlohmann::json(nullptr);
  out["creator"] = {{"handle", ""}, {"name", nullptr}, {"email", ""}};
  return out;
}

SyntheticsService::SyntheticsService(TestStore& tests, store::Engine& engine,
                                     pipeline::Consumer& consumer,
                                     std::function<int64_t()> clock_ms, ServiceConfig config)
    : tests_(tests),
      engine_(engine),
      consumer_(consumer),
      clock_ms_(std::move(clock_ms)),
      config_(config) {}

SyntheticsService::~SyntheticsService() {
  stop();
}

void SyntheticsService::start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, config_.workers); ++i) workers_.emplace_back([this] { work(); });
  scheduler_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      schedule_due(clock_ms_());
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(config_.tick_ms), [this] { return stopping_; });
    }
  });
}

void SyntheticsService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  idle_cv_.notify_all();
}

void SyntheticsService::schedule_due(int64_t now_ms) {
  auto all = tests_.list();
  if (!all) {
    core::log::error("synthetics", "cannot list tests", {{"error", all.status().to_string()}});
    return;
  }
  std::lock_guard lock(mu_);
  for (const StoredTest& t : *all) {
    if (!t.test.live || !in_timeframes(t.test, now_ms / 1000)) continue;
    for (const std::string& location : t.test.locations) {
      if (!runs_here(location)) continue;
      auto key = std::pair{t.test.public_id, location};
      auto last = last_run_ms_.find(key);
      if (last != last_run_ms_.end() && now_ms - last->second < t.test.tick_every_s * 1000)
        continue;
      last_run_ms_[key] = now_ms;
      queue_.push_back({t.test.public_id, location, "scheduled", new_result_id()});
    }
  }
  cv_.notify_all();
}

core::Result<std::vector<SyntheticsService::Queued>> SyntheticsService::trigger(
    const std::vector<std::string>& public_ids, const std::string& run_type) {
  std::vector<Queued> out;
  std::vector<Job> jobs;
  for (const std::string& id : public_ids) {
    auto t = tests_.get(id);
    if (!t) return t.status();
    bool any = false;
    for (const std::string& location : t->test.locations) {
      if (!runs_here(location)) continue;
      any = true;
      Job job{id, location, run_type, new_result_id()};
      out.push_back({id, location, job.result_id});
      jobs.push_back(std::move(job));
    }
    if (!any)
      return core::error(core::Code::invalid_argument,
                         "test {} runs at no location this server serves (\"local\")", id);
  }
  {
    std::lock_guard lock(mu_);
    for (auto& j : jobs) queue_.push_back(std::move(j));
  }
  cv_.notify_all();
  return out;
}

bool SyntheticsService::idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return queue_.empty() && busy_ == 0; });
}

void SyntheticsService::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    run(job);
    lock.lock();
    --busy_;
    if (queue_.empty() && busy_ == 0) idle_cv_.notify_all();
  }
}

void SyntheticsService::run(const Job& job) {
  auto t = tests_.get(job.public_id);
  if (!t) return;  // deleted since it was queued
  RunResult r = run_api_test(t->test, job.location, job.run_type, clock_ms_(), config_.limits);
  r.result_id = job.result_id;
  r.detail["result_id"] = job.result_id;
  if (auto st = store_result(*t, r); !st.ok())
    core::log::error("synthetics", "cannot store a result",
                     {{"test", job.public_id}, {"error", st.to_string()}});
  emit_metrics(*t, r);
}

core::Status SyntheticsService::store_result(const StoredTest& t, const RunResult& r) {
  store::Params p;
  p.add("ts", r.check_time_ms)
      .add("public_id", t.test.public_id)
      .add("result_id", r.result_id)
      .add("location", r.location)
      .add("run_type", r.run_type)
      .add("passed", int64_t{r.passed})
      .add("duration", r.duration_ms)
      .add("status", int64_t{r.http_status})
      .add("failure_code", r.failure_code)
      .add("failure_message", r.failure_message)
      .add("detail", r.detail.dump());
  return engine_.execute(
      "INSERT INTO synthetics_results (timestamp, public_id, result_id, location, device, "
      "run_type, passed, duration_ms, status_code, failure_code, failure_message, detail) VALUES "
      "(fromUnixTimestamp64Milli({ts:Int64}), {public_id:String}, {result_id:String}, "
      "{location:String}, '', {run_type:String}, {passed:UInt8}, {duration:Float64}, "
      "{status:UInt16}, {failure_code:String}, {failure_message:String}, {detail:String})",
      p);
}

void SyntheticsService::emit_metrics(const StoredTest& t, const RunResult& r) {
  const std::vector<std::string> tag_text = {"test_name:" + t.test.name,
                                             "test_id:" + t.test.public_id,
                                             "location:" + r.location,
                                             "run_type:" + r.run_type,
                                             "test_type:api",
                                             "subtype:" + t.test.subtype};
  std::vector<std::string_view> tags(tag_text.begin(), tag_text.end());
  const std::string status = std::string("status:") + (r.passed ? "passed" : "failed");
  std::vector<std::string_view> run_tags = tags;
  run_tags.push_back(status);
  pipeline::MetricBatch batch;
  pipeline::MetricPoint runs;
  runs.metric = "synthetics.test_runs";
  runs.tags = run_tags;
  runs.kind = pipeline::MetricKind::count;
  runs.timestamp_ms = r.check_time_ms;
  runs.value = 1;
  batch.append(runs);
  if (r.http_status != 0 || r.timings.total > 0) {
    const std::pair<const char*, double> timings[] = {
        {"synthetics.http.response.time", r.timings.total},
        {"synthetics.http.dns.time", r.timings.dns},
        {"synthetics.http.connect.time", r.timings.tcp},
        {"synthetics.http.ssl.time", r.timings.ssl},
        {"synthetics.http.firstbyte.time", r.timings.first_byte},
        {"synthetics.http.download.time", r.timings.download}};
    for (const auto& [name, value] : timings) {
      pipeline::MetricPoint p;
      p.metric = name;
      p.tags = tags;
      p.kind = pipeline::MetricKind::gauge;
      p.timestamp_ms = r.check_time_ms;
      p.value = value;
      batch.append(p);
    }
  }
  if (auto st = consumer_.consume_metrics(std::move(batch)); !st.ok())
    core::log::warn("synthetics", "run metrics were not stored", {{"error", st.to_string()}});
}

core::Result<json> SyntheticsService::results(const std::string& public_id, size_t limit) {
  if (auto t = tests_.get(public_id); !t) return t.status();
  auto rows = engine_.query(
      "SELECT toUnixTimestamp64Milli(timestamp), location, result_id, passed, "
      "JSONExtractRaw(detail, 'result', 'timings'), failure_code, failure_message, run_type "
      "FROM synthetics_results WHERE public_id = {id:String} ORDER BY timestamp DESC LIMIT "
      "{limit:UInt64}",
      store::Params().add("id", public_id).add("limit", static_cast<uint64_t>(limit)));
  if (!rows.ok()) return rows.status();
  json out = json::array();
  int64_t last = 0;
  for (const auto& row : rows->rows()) {
    const bool passed = row[3].as_uint64() != 0;
    json result = {{"passed", passed},
                   {"timings", json::parse(row[4].as_string(), nullptr, false)}};
    if (result["timings"].is_discarded()) result["timings"] = json::object();
    if (!passed)
      result["failure"] = {{"code", row[5].as_string()}, {"message", row[6].as_string()}};
    last = std::max(last, row[0].as_int64());
    out.push_back({{"check_time", row[0].as_int64()},
                   {"probe_dc", row[1].as_string()},
                   {"result_id", row[2].as_string()},
                   {"status", passed ? 0 : 1},
                   {"run_type", row[7].as_string()},
                   {"result", std::move(result)}});
  }
  return json{{"last_timestamp_fetched", last}, {"results", std::move(out)}};
}

core::Result<json> SyntheticsService::result(const std::string& public_id,
                                             const std::string& result_id) {
  if (auto t = tests_.get(public_id); !t) return t.status();
  auto rows = engine_.query(
      "SELECT detail FROM synthetics_results WHERE public_id = {id:String} AND result_id = "
      "{rid:String} LIMIT 1",
      store::Params().add("id", public_id).add("rid", result_id));
  if (!rows.ok()) return rows.status();
  if (rows->row_count() == 0)
    return core::Status(core::Code::not_found,
                        fmt::format("result {} of test {} not found (it may still be running)",
                                    result_id, public_id));
  json detail = json::parse(rows->at(0, 0).as_string(), nullptr, false);
  if (detail.is_discarded())
    return core::Status(core::Code::internal, "a stored result is damaged");
  return detail;
}

}  // namespace heeler::synthetics
