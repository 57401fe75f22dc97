#include "api/monitors.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "api/event_search.h"
#include "core/json_fields.h"
#include "query/metric_eval.h"
#include "query/time_spec.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

// A series' interval values reduced by the monitor's time aggregation.
double reduce(const std::vector<double>& values, const monitors::MonitorQuery& q) {
  std::vector<double> v;
  for (double x : values)
    if (!std::isnan(x)) v.push_back(x);
  if (v.empty()) return NAN;
  const std::string& a = q.time_aggregator;
  if (a == "last") {
    for (auto it = values.rbegin(); it != values.rend(); ++it)
      if (!std::isnan(*it)) return *it;
  }
  if (a == "sum") {
    double s = 0;
    for (double x : v) s += x;
    return s;
  }
  if (a == "min") return *std::min_element(v.begin(), v.end());
  if (a == "max") return *std::max_element(v.begin(), v.end());
  if (a == "median" || a[0] == 'p') {
    std::sort(v.begin(), v.end());
    const double p = a == "median" ? 0.5 : q.percentile;
    const double rank = p * static_cast<double>(v.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
  }
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

std::string join_group(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

core::Result<int64_t> monitor_id(const Request& r) {
  const std::string& text = r.path_params.at("id");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    return core::error(core::Code::invalid_argument, "monitor id '{}' is not a positive integer",
                       text);
  return id;
}

core::Result<json> parse_body(const Request& r) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::invalid_argument, "the body is not valid JSON");
  return body;
}

// A composite may only name monitors that exist, and never itself.
core::Status check_references(monitors::MonitorStore& store, const monitors::Monitor& m,
                              int64_t self) {
  for (int64_t ref : m.query.composite_ids()) {
    if (ref == self)
      return core::error(core::Code::invalid_argument, "query: a composite cannot name itself");
    auto found = store.get(ref);
    if (!found) {
      if (found.status().code() == core::Code::not_found)
        return core::error(core::Code::invalid_argument, "query: monitor {} does not exist", ref);
      return found.status();
    }
    if (found->monitor.query.kind == monitors::QueryKind::composite)
      return core::error(core::Code::invalid_argument,
                         "query: monitor {} is a composite; composites name other monitors", ref);
  }
  return {};
}

core::Result<monitors::Monitor> checked(monitors::MonitorStore& store, const json& body,
                                        int64_t self) {
  auto m = monitors::parse_monitor(body);
  if (!m) return m.status();
  if (auto st = check_references(store, *m, self); !st.ok()) return st;
  return m;
}

// Active downtimes that apply to any group of the monitor.
json matching_downtimes(monitors::DowntimeStore& downtimes, const monitors::Monitor& m) {
  json out = json::array();
  auto all = downtimes.list();
  if (!all) return out;
  const int64_t now_s = query::now_ms() / 1000;
  for (const auto& d : *all) {
    if (!monitors::downtime_active(d, now_s)) continue;
    if (d.monitor_id && *d.monitor_id != m.id) continue;
    if (!std::all_of(d.monitor_tags.begin(), d.monitor_tags.end(), [&](const std::string& t) {
          return std::find(m.tags.begin(), m.tags.end(), t) != m.tags.end();
        }))
      continue;
    out.push_back({{"id", d.id},
                   {"start", d.start_s},
                   {"end", d.end_s ? json(*d.end_s) : json(nullptr)},
                   {"scope", d.scope.empty() ? json::array({"*"}) : json(d.scope)}});
  }
  return out;
}

Response served(monitors::MonitorStore& store, monitors::MonitorScheduler& scheduler,
                monitors::DowntimeStore& downtimes, int64_t id, bool with_groups) {
  auto m = store.get(id);
  if (!m) return Response::error(m.status());
  std::map<std::string, monitors::GroupState> groups;
  if (with_groups) {
    auto g = store.groups(id);
    if (!g) return Response::error(g.status());
    groups = std::move(*g);
  }
  json out = monitors::MonitorStore::to_json(*m, with_groups ? &groups : nullptr);
  if (std::string error = scheduler.last_error(id); !error.empty()) out["evaluation_error"] = error;
  out["matching_downtimes"] = matching_downtimes(downtimes, m->monitor);
  return Response::json(200, out.dump());
}

bool has_all_tags(const monitors::Monitor& m, std::string_view wanted) {
  size_t from = 0;
  while (from < wanted.size()) {
    size_t comma = std::min(wanted.find(',', from), wanted.size());
    std::string_view tag = wanted.substr(from, comma - from);
    from = comma + 1;
    if (tag.empty()) continue;
    if (std::find(m.tags.begin(), m.tags.end(), tag) == m.tags.end()) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// How many locations have been failing the test for at least the window: per location,
// the time since the first failure after its last pass, from its results of the last
// day (a location that last passed is not failing).
core::Result<std::vector<monitors::GroupValue>> EngineMonitorData::synthetics_values(
    const monitors::MonitorQuery& q, int64_t to_ms) {
  auto rows = engine_.query(
      "SELECT location, toUnixTimestamp64Milli(timestamp) AS t, passed FROM synthetics_results "
      "WHERE public_id = {id:String} AND timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND "
      "timestamp < fromUnixTimestamp64Milli({to:Int64}) ORDER BY location, t DESC LIMIT 100000",
      store::Params().add("id", q.events.search).add("from", to_ms - 86400'000).add("to", to_ms));
  if (!rows) return rows.status();
  std::map<std::string, int64_t> failing_since;  // location → first failure of the streak
  std::set<std::string> passing;
  for (const auto& row : rows->rows()) {
    const std::string location = row[0].as_string();
    if (passing.count(location)) continue;
    if (row[2].as_uint64() != 0) {
      passing.insert(location);  // the newest pass ends the streak
      continue;
    }
    failing_since[location] = row[1].as_int64();  // rows go newest first
  }
  double failing = 0;
  for (const auto& [location, since] : failing_since)
    if (to_ms - since >= q.window_seconds * 1000) ++failing;
  return std::vector<monitors::GroupValue>{{"", failing, true}};
}

core::Result<std::vector<monitors::GroupValue>> EngineMonitorData::values(
    const monitors::MonitorQuery& q, int64_t from_ms, int64_t to_ms) {
  std::vector<monitors::GroupValue> out;
  if (q.kind == monitors::QueryKind::metric) {
    query::EngineMetricSource source(engine_);
    const query::TimeRange range{from_ms, to_ms};
    auto series = query::evaluate(*q.metric, range, source);
    if (!series) return series.status();
    for (const query::Series& s : *series) {
      monitors::GroupValue v;
      v.group = join_group(s.tag_set());
      v.value = reduce(s.values, q);
      v.full_window = !s.values.empty() && !std::isnan(s.values.front()) &&
                      s.start_ms <= from_ms + s.interval_s * 1000;
      out.push_back(std::move(v));
    }
    return out;
  }
  if (q.kind == monitors::QueryKind::synthetics) return synthetics_values(q, to_ms);
  const query::SearchTarget* target = nullptr;
  if (q.kind == monitors::QueryKind::logs) target = &query::logs_search_target();
  if (q.kind == monitors::QueryKind::spans) target = &query::spans_search_target();
  if (q.kind == monitors::QueryKind::events) target = &query::events_search_target();
  if (q.kind == monitors::QueryKind::rum) target = &query::rum_search_target();
  if (!target)
    return core::error(core::Code::invalid_argument, "{} monitors are not evaluated here",
                       monitors::query_kind_name(q.kind));
  auto filter =
      parse_filter({{"query", q.events.search}, {"from", from_ms}, {"to", to_ms}}, *target);
  if (!filter) return filter.status();
  json compute = json::array({{{"aggregation", q.events.aggregation}, {"type", "total"}}});
  if (!q.events.measure.empty()) compute[0]["metric"] = q.events.measure;
  json group_by = json::array();
  for (const auto& facet : q.events.group_by)
    group_by.push_back({{"facet", facet}, {"limit", 1000}});
  auto result = aggregate(engine_, *target, *filter, compute, group_by);
  if (!result) return result.status();
  for (const json& bucket : (*result)["buckets"]) {
    std::vector<std::string> tags;
    for (const auto& facet : q.events.group_by) {
      const json& v = bucket["by"].value(facet, json());
      const std::string name = facet.starts_with('@') ? facet.substr(1) : facet;
      tags.push_back(name + ":" + (v.is_string() ? v.get<std::string>() : v.dump()));
    }
    const json& c = bucket["computes"]["c0"];
    out.push_back({join_group(tags), c.is_number() ? c.get<double>() : NAN, true});
  }
  return out;
}

void add_monitor_routes(net::Router& router, MonitorServices services) {
  monitors::MonitorStore& store = services.store;
  monitors::MonitorScheduler& scheduler = services.scheduler;
  monitors::Notifier& notifier = services.notifier;
  monitors::DowntimeStore& downtimes = services.downtimes;
  router.add("GET", "/api/v1/monitor", [&store](Request& r) {
    auto all = store.list();
    if (!all) return Response::error(all.status());
    const std::string name = lower(r.query_param("name").value_or(""));
    const std::string tags(
        r.query_param("monitor_tags").value_or(r.query_param("tags").value_or("")));
    const bool groups = r.query_param("group_states").has_value();
    json out = json::array();
    for (const auto& m : *all) {
      if (!name.empty() && lower(m.monitor.name).find(name) == std::string::npos) continue;
      if (!has_all_tags(m.monitor, tags)) continue;
      std::map<std::string, monitors::GroupState> g;
      if (groups) {
        auto states = store.groups(m.monitor.id);
        if (!states) return Response::error(states.status());
        g = std::move(*states);
      }
      out.push_back(monitors::MonitorStore::to_json(m, groups ? &g : nullptr));
    }
    return Response::json(200, out.dump());
  });
  router.add("POST", "/api/v1/monitor", [&store, &scheduler, &downtimes](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    auto m = checked(store, *body, 0);
    if (!m) return Response::error(m.status());
    auto id = store.create(*m, query::now_ms());
    if (!id) return Response::error(id.status());
    scheduler.wake(*id);
    return served(store, scheduler, downtimes, *id, false);
  });
  router.add("POST", "/api/v1/monitor/validate", [&store](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    auto m = checked(store, *body, 0);
    if (!m) return Response::error(m.status());
    return Response::json(200, "{}");
  });
  router.add("GET", "/api/v1/monitor/{id}", [&store, &scheduler, &downtimes](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    return served(store, scheduler, downtimes, *id, r.query_param("group_states").has_value());
  });
  router.add("PUT", "/api/v1/monitor/{id}", [&store, &scheduler, &downtimes](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    auto patch = parse_body(r);
    if (!patch) return Response::error(patch.status());
    if (!patch->is_object()) return Response::error(400, "the body must be a JSON object");
    auto current = store.get(*id);
    if (!current) return Response::error(current.status());
    // Datadog's edit: the fields given replace those stored.
    json body = current->monitor.body;
    body.merge_patch(*patch);
    auto m = checked(store, body, *id);
    if (!m) return Response::error(m.status());
    if (auto st = store.replace(*id, *m, query::now_ms()); !st.ok()) return Response::error(st);
    scheduler.wake(*id);
    return served(store, scheduler, downtimes, *id, false);
  });
  router.add("DELETE", "/api/v1/monitor/{id}", [&store](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    auto all = store.list();
    if (!all) return Response::error(all.status());
    for (const auto& m : *all)
      for (int64_t ref : m.monitor.query.composite_ids())
        if (ref == *id)
          return Response::error(
              400, fmt::format("monitor {} is named by composite monitor {} ({})", *id,
                               m.monitor.id, m.monitor.name));
    if (auto st = store.remove(*id); !st.ok()) return Response::error(st);
    return Response::json(200, json{{"deleted_monitor_id", *id}}.dump());
  });
  router.add("GET", "/api/v1/monitor/{id}/history", [&store](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    if (auto m = store.get(*id); !m) return Response::error(m.status());
    auto history = store.history(*id, 1000);
    if (!history) return Response::error(history.status());
    json out = json::array();
    for (const auto& h : *history)
      out.push_back({{"timestamp", h.at_ms},
                     {"group", h.group.empty() ? "*" : h.group},
                     {"from", std::string(monitors::state_name(h.from))},
                     {"to", std::string(monitors::state_name(h.to))},
                     {"value", std::isnan(h.value) ? json(nullptr) : json(h.value)},
                     {"renotify", h.renotify},
                     {"notified", h.notify}});
    return Response::json(200, json{{"monitor_id", *id}, {"history", std::move(out)}}.dump());
  });
  router.add("GET", "/api/v1/monitor/{id}/notifications", [&store, &notifier](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    if (auto m = store.get(*id); !m) return Response::error(m.status());
    auto deliveries = notifier.deliveries(*id, 1000);
    if (!deliveries) return Response::error(deliveries.status());
    return Response::json(
        200, json{{"monitor_id", *id}, {"notifications", std::move(*deliveries)}}.dump());
  });
  router.add("POST", "/api/v1/monitor/{id}/mute", [&store, &downtimes, &scheduler](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    if (auto m = store.get(*id); !m) return Response::error(m.status());
    json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
    if (!body.is_object())
      return Response::error(400, "the body must be a JSON object {scope, end}");
    json downtime = {{"monitor_id", *id}, {"message", "muted"}, {"heeler_mute", true}};
    if (body.contains("scope")) downtime["scope"] = body["scope"];
    if (body.contains("end")) downtime["end"] = body["end"];
    auto d = monitors::parse_downtime(downtime, query::now_ms() / 1000);
    if (!d) return Response::error(d.status());
    if (auto created = downtimes.create(*d); !created) return Response::error(created.status());
    return served(store, scheduler, downtimes, *id, false);
  });
  router.add("POST", "/api/v1/monitor/{id}/unmute", [&store, &downtimes, &scheduler](Request& r) {
    auto id = monitor_id(r);
    if (!id) return Response::error(id.status());
    if (auto m = store.get(*id); !m) return Response::error(m.status());
    json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
    if (!body.is_object()) return Response::error(400, "the body must be a JSON object {scope}");
    std::vector<std::string> scope;
    if (auto s = body.find("scope"); s != body.end() && s->is_string() && *s != "*")
      scope.push_back(s->get<std::string>());
    auto all = downtimes.list();
    if (!all) return Response::error(all.status());
    for (const auto& d : *all) {
      if (d.disabled || d.monitor_id != *id || !core::field(d.body, "heeler_mute", false)) continue;
      if (!scope.empty() && d.scope != scope) continue;
      if (auto st = downtimes.cancel(d.id); !st.ok()) return Response::error(st);
    }
    return served(store, scheduler, downtimes, *id, false);
  });
  const auto downtime_id = [](const Request& r) -> core::Result<int64_t> {
    const std::string& text = r.path_params.at("id");
    int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
      return core::error(core::Code::invalid_argument, "downtime id '{}' is not a positive integer",
                         text);
    return id;
  };
  router.add("GET", "/api/v1/downtime", [&downtimes](Request& r) {
    auto all = downtimes.list();
    if (!all) return Response::error(all.status());
    const bool current_only = r.query_param("current_only").value_or("") == "true";
    const int64_t now_s = query::now_ms() / 1000;
    json out = json::array();
    for (const auto& d : *all) {
      json j = monitors::DowntimeStore::to_json(d, now_s);
      if (current_only && !j["active"].get<bool>()) continue;
      out.push_back(std::move(j));
    }
    return Response::json(200, out.dump());
  });
  router.add("POST", "/api/v1/downtime", [&downtimes](Request& r) {
    auto body = parse_body(r);
    if (!body) return Response::error(body.status());
    const int64_t now_s = query::now_ms() / 1000;
    auto d = monitors::parse_downtime(*body, now_s);
    if (!d) return Response::error(d.status());
    auto id = downtimes.create(*d);
    if (!id) return Response::error(id.status());
    d->id = *id;
    return Response::json(200, monitors::DowntimeStore::to_json(*d, now_s).dump());
  });
  router.add("GET", "/api/v1/downtime/{id}", [&downtimes, downtime_id](Request& r) {
    auto id = downtime_id(r);
    if (!id) return Response::error(id.status());
    auto d = downtimes.get(*id);
    if (!d) return Response::error(d.status());
    return Response::json(200, monitors::DowntimeStore::to_json(*d, query::now_ms() / 1000).dump());
  });
  router.add("PUT", "/api/v1/downtime/{id}", [&downtimes, downtime_id](Request& r) {
    auto id = downtime_id(r);
    if (!id) return Response::error(id.status());
    auto current = downtimes.get(*id);
    if (!current) return Response::error(current.status());
    auto patch = parse_body(r);
    if (!patch) return Response::error(patch.status());
    if (!patch->is_object()) return Response::error(400, "the body must be a JSON object");
    json body = monitors::DowntimeStore::to_json(*current, 0);
    body.merge_patch(*patch);
    const int64_t now_s = query::now_ms() / 1000;
    auto d = monitors::parse_downtime(body, now_s);
    if (!d) return Response::error(d.status());
    if (auto st = downtimes.replace(*id, *d); !st.ok()) return Response::error(st);
    d->id = *id;
    d->disabled = current->disabled;
    return Response::json(200, monitors::DowntimeStore::to_json(*d, now_s).dump());
  });
  router.add("DELETE", "/api/v1/downtime/{id}", [&downtimes, downtime_id](Request& r) {
    auto id = downtime_id(r);
    if (!id) return Response::error(id.status());
    if (auto st = downtimes.cancel(*id); !st.ok()) return Response::error(st);
    return Response::json(200, "{}");
  });
}

}  // namespace heeler::api
