#include "monitors/monitor_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace heeler::monitors {
namespace {

using nlohmann::json;

store::MetaValue real_or_null(double v) {
  if (std::isnan(v)) return nullptr;
  return v;
}

core::Status not_found(int64_t id) {
  return core::Status(core::Code::not_found, fmt::format("Monitor {} not found", id));
}

constexpr const char* kColumns =
    "id, body, created_ms, modified_ms, overall_state, overall_modified_ms";

}  // namespace

core::Result<StoredMonitor> MonitorStore::read(const store::MetaRow& row) {
  const int64_t id = store::meta_int(row[0]);
  json body = json::parse(store::meta_text(row[1]), nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::internal, fmt::format("monitor {} is stored damaged", id));
  auto parsed = parse_monitor(body);
  if (!parsed)
    return core::Status(core::Code::internal, fmt::format("monitor {} no longer parses: {}", id,
                                                          parsed.status().message()));
  StoredMonitor out;
  out.monitor = std::move(*parsed);
  out.monitor.id = id;
  out.created_ms = store::meta_int(row[2]);
  out.modified_ms = store::meta_int(row[3]);
  out.overall = state_from_name(store::meta_text(row[4])).value_or(State::no_data);
  out.overall_modified_ms = store::meta_int(row[5]);
  return out;
}

core::Result<int64_t> MonitorStore::create(const Monitor& monitor, int64_t now_ms) {
  auto changed = meta_.exec(
      "INSERT INTO monitors(body, created_ms, modified_ms, overall_state, overall_modified_ms) "
      "VALUES (?1, ?2, ?2, 'No Data', ?2)",
      {monitor.body.dump(), now_ms});
  if (!changed) return changed.status();
  auto rows = meta_.query("SELECT last_insert_rowid()");
  if (!rows) return rows.status();
  return store::meta_int(rows->front().front());
}

core::Status MonitorStore::replace(int64_t id, const Monitor& monitor, int64_t now_ms) {
  return meta_.transaction([&]() -> core::Status {
    auto old = meta_.query("SELECT body FROM monitors WHERE id = ?1", {id});
    if (!old) return old.status();
    if (old->empty()) return not_found(id);
    json before = json::parse(store::meta_text(old->front()[0]), nullptr, false);
    auto changed = meta_.exec(
        "UPDATE monitors SET body = ?2, modified_ms = max(?3, modified_ms + 1) WHERE id = ?1",
        {id, monitor.body.dump(), now_ms});
    if (!changed) return changed.status();
    // A new query makes old group states meaningless: they are dropped, and the
    // history says so with a change of the whole monitor to No Data.
    if (before.is_object() && before.value("query", "") != monitor.query_text) {
      auto overall = meta_.query("SELECT overall_state FROM monitors WHERE id = ?1", {id});
      if (!overall) return overall.status();
      if (auto r = meta_.exec("DELETE FROM monitor_groups WHERE monitor_id = ?1", {id}); !r)
        return r.status();
      if (auto r = meta_.exec(
              "INSERT INTO monitor_history(monitor_id, at_ms, grp, from_state, to_state, value, "
              "renotify, notify) VALUES (?1, ?2, '', ?3, 'No Data', NULL, 0, 0)",
              {id, now_ms, store::meta_text(overall->front()[0])});
          !r)
        return r.status();
      if (auto r =
              meta_.exec("UPDATE monitors SET overall_state = 'No Data', overall_modified_ms = ?2 "
                         "WHERE id = ?1",
                         {id, now_ms});
          !r)
        return r.status();
    }
    return {};
  });
}

core::Status MonitorStore::remove(int64_t id) {
  return meta_.transaction([&]() -> core::Status {
    auto changed = meta_.exec("DELETE FROM monitors WHERE id = ?1", {id});
    if (!changed) return changed.status();
    if (*changed == 0) return not_found(id);
    if (auto r = meta_.exec("DELETE FROM monitor_groups WHERE monitor_id = ?1", {id}); !r)
      return r.status();
    if (auto r = meta_.exec("DELETE FROM monitor_history WHERE monitor_id = ?1", {id}); !r)
      return r.status();
    return {};
  });
}

core::Result<StoredMonitor> MonitorStore::get(int64_t id) {
  auto rows = meta_.query(fmt::format("SELECT {} FROM monitors WHERE id = ?1", kColumns), {id});
  if (!rows) return rows.status();
  if (rows->empty()) return not_found(id);
  return read(rows->front());
}

core::Result<std::vector<StoredMonitor>> MonitorStore::list() {
  auto rows = meta_.query(fmt::format("SELECT {} FROM monitors ORDER BY id", kColumns));
  if (!rows) return rows.status();
  std::vector<StoredMonitor> out;
  for (const auto& row : *rows) {
    auto m = read(row);
    if (!m) return m.status();
    out.push_back(std::move(*m));
  }
  return out;
}

core::Result<std::map<std::string, GroupState>> MonitorStore::groups(int64_t id) {
  auto rows = meta_.query(
      "SELECT grp, state, value, last_change_ms, last_data_ms, last_notified_ms FROM "
      "monitor_groups WHERE monitor_id = ?1",
      {id});
  if (!rows) return rows.status();
  std::map<std::string, GroupState> out;
  for (const auto& row : *rows) {
    GroupState g;
    g.state = state_from_name(store::meta_text(row[1])).value_or(State::ok);
    g.value = store::meta_real(row[2]);
    g.last_change_ms = store::meta_int(row[3]);
    g.last_data_ms = store::meta_int(row[4]);
    g.last_notified_ms = store::meta_int(row[5]);
    out[store::meta_text(row[0])] = g;
  }
  return out;
}

core::Status MonitorStore::save_evaluation(int64_t id, const Evaluation& e, int64_t now_ms) {
  return meta_.transaction([&]() -> core::Status {
    auto current = meta_.query("SELECT overall_state FROM monitors WHERE id = ?1", {id});
    if (!current) return current.status();
    if (current->empty()) return not_found(id);  // deleted while it was evaluated
    if (auto r = meta_.exec("DELETE FROM monitor_groups WHERE monitor_id = ?1", {id}); !r)
      return r.status();
    for (const auto& [group, g] : e.groups) {
      auto r = meta_.exec(
          "INSERT INTO monitor_groups(monitor_id, grp, state, value, last_change_ms, "
          "last_data_ms, last_notified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
          {id, group, std::string(state_name(g.state)), real_or_null(g.value), g.last_change_ms,
           g.last_data_ms, g.last_notified_ms});
      if (!r) return r.status();
    }
    for (const Transition& t : e.transitions) {
      auto r = meta_.exec(
          "INSERT INTO monitor_history(monitor_id, at_ms, grp, from_state, to_state, value, "
          "renotify, notify) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
          {id, now_ms, t.group, std::string(state_name(t.from)), std::string(state_name(t.to)),
           real_or_null(t.value), int64_t{t.renotify}, int64_t{t.notify}});
      if (!r) return r.status();
    }
    const std::string overall(state_name(e.overall));
    if (store::meta_text(current->front()[0]) != overall) {
      auto r = meta_.exec(
          "UPDATE monitors SET overall_state = ?2, overall_modified_ms = ?3 WHERE id = ?1",
          {id, overall, now_ms});
      if (!r) return r.status();
    }
    return {};
  });
}

core::Result<std::vector<HistoryEntry>> MonitorStore::history(int64_t id, size_t limit) {
  auto rows = meta_.query(
      "SELECT at_ms, grp, from_state, to_state, value, renotify, notify FROM monitor_history "
      "WHERE monitor_id = ?1 ORDER BY at_ms DESC, rowid DESC LIMIT ?2",
      {id, static_cast<int64_t>(limit)});
  if (!rows) return rows.status();
  std::vector<HistoryEntry> out;
  for (const auto& row : *rows)
    out.push_back({store::meta_int(row[0]), store::meta_text(row[1]),
                   state_from_name(store::meta_text(row[2])).value_or(State::ok),
                   state_from_name(store::meta_text(row[3])).value_or(State::ok),
                   store::meta_real(row[4]), store::meta_int(row[5]) != 0,
                   store::meta_int(row[6]) != 0});
  return out;
}

json MonitorStore::to_json(const StoredMonitor& m,
                           const std::map<std::string, GroupState>* groups) {
  json out = m.monitor.body;
  out["id"] = m.monitor.id;
  out["created"] = store::object_time(m.created_ms);
  out["modified"] = store::object_time(m.modified_ms);
  out["overall_state"] = std::string(state_name(m.overall));
  out["overall_state_modified"] = store::object_time(m.overall_modified_ms);
  out["multi"] = !m.monitor.query.group_by().empty();
  out["deleted"] = nullptr;
  out["creator"] = {{"handle", ""}, {"name", nullptr}, {"email", ""}};
  if (groups) {
    json g = json::object();
    for (const auto& [name, s] : *groups)
      g[name.empty() ? "*" : name] = {
          {"name", name.empty() ? "*" : name},
          {"status", std::string(state_name(s.state))},
          {"last_triggered_ts",
           s.state == State::alert ? json(s.last_change_ms / 1000) : json(nullptr)},
          {"last_nodata_ts",
           s.state == State::no_data ? json(s.last_change_ms / 1000) : json(nullptr)},
          {"last_notified_ts",
           s.last_notified_ms ? json(s.last_notified_ms / 1000) : json(nullptr)},
          {"value", std::isnan(s.value) ? json(nullptr) : json(s.value)}};
    out["state"] = {{"groups", std::move(g)}};
  }
  return out;
}

}  // namespace heeler::monitors
