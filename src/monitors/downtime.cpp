#include "monitors/downtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "monitors/message.h"

namespace heeler::monitors {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;
constexpr int kMaxOccurrences = 20000;  // enumerated at most, from the start

core::Status invalid(std::string message) {
  return core::Status(core::Code::invalid_argument, std::move(message));
}

core::Status strings(const json& v, const char* field, std::vector<std::string>& out) {
  if (v.is_null()) return {};
  if (v.is_string()) {
    // Datadog accepts "env:prod,host:a" as well as a list.
    std::string s = v.get<std::string>();
    size_t from = 0;
    while (from <= s.size()) {
      size_t comma = std::min(s.find(',', from), s.size());
      std::string tag = s.substr(from, comma - from);
      tag.erase(0, tag.find_first_not_of(' '));
      tag.erase(tag.find_last_not_of(' ') + 1);
      if (!tag.empty()) out.push_back(tag);
      from = comma + 1;
    }
    return {};
  }
  if (!v.is_array())
    return invalid(fmt::format("{} must be a string or an array of strings", field));
  for (const json& t : v) {
    if (!t.is_string())
      return invalid(fmt::format("{} must be a string or an array of strings", field));
    out.push_back(t);
  }
  return {};
}

core::Result<std::optional<int64_t>> seconds(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>{};
  if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1e11)
    return invalid(fmt::format("{} must be epoch seconds", field));
  return std::optional<int64_t>{static_cast<int64_t>(it->get<double>())};
}

int weekday_index(std::string_view name) {
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (int i = 0; i < 7; ++i)
    if (kDays[i] == name) return i;
  return -1;
}

// 1970-01-01 was a Thursday: Monday-based weekday of a time.
int weekday_of(int64_t s) {
  return static_cast<int>(((s / kDay) % 7 + 7 + 3) % 7);
}

// Visits occurrence starts in order until `visit` returns false.
template <typename Visit>
void occurrences(const Downtime& d, Visit visit) {
  const Recurrence& r = *d.recurrence;
  int count = 0;
  auto emit = [&](int64_t start) {
    if (r.until_s && start > *r.until_s) return false;
    if (r.until_occurrences && count >= *r.until_occurrences) return false;
    ++count;
    return visit(start);
  };
  if (r.unit == Recurrence::Unit::days) {
    for (int k = 0; k < kMaxOccurrences; ++k)
      if (!emit(d.start_s + k * r.period * kDay)) return;
    return;
  }
  const int64_t week0 = d.start_s - (d.start_s % kDay + kDay) % kDay - weekday_of(d.start_s) * kDay;
  const int64_t time_of_day = d.start_s - (d.start_s - (d.start_s % kDay + kDay) % kDay);
  std::vector<int> days = r.week_days;
  if (days.empty()) days.push_back(weekday_of(d.start_s));
  std::sort(days.begin(), days.end());
  for (int w = 0; w * static_cast<int64_t>(days.size()) < kMaxOccurrences;
       w += static_cast<int>(r.period)) {
    for (int day : days) {
      const int64_t start = week0 + w * kWeek + day * kDay + time_of_day;
      if (start < d.start_s) continue;
      if (!emit(start)) return;
    }
  }
}

bool has_all(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&](const std::string& t) {
    return std::find(have.begin(), have.end(), t) != have.end();
  });
}

}  // namespace

core::Result<Downtime> parse_downtime(const json& body, int64_t now_s) {
  if (!body.is_object()) return invalid("the body must be a JSON object (a downtime)");
  Downtime d;
  d.body = body;
  for (const char* owned : {"id", "active", "disabled", "creator_id", "updater_id", "created",
                            "modified", "canceled", "child_id", "parent_id"})
    d.body.erase(owned);
  if (auto it = body.find("scope"); it != body.end()) {
    if (auto st = strings(*it, "scope", d.scope); !st.ok()) return st;
    d.scope.erase(std::remove(d.scope.begin(), d.scope.end(), "*"), d.scope.end());
  }
  if (auto it = body.find("monitor_tags"); it != body.end()) {
    if (auto st = strings(*it, "monitor_tags", d.monitor_tags); !st.ok()) return st;
    d.monitor_tags.erase(std::remove(d.monitor_tags.begin(), d.monitor_tags.end(), "*"),
                         d.monitor_tags.end());
  }
  if (auto it = body.find("monitor_id"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
      return invalid("monitor_id must be a monitor's id");
    d.monitor_id = it->get<int64_t>();
  }
  auto start = seconds(body, "start");
  if (!start) return start.status();
  d.start_s = start->value_or(now_s);
  auto end = seconds(body, "end");
  if (!end) return end.status();
  d.end_s = *end;
  if (d.end_s && *d.end_s <= d.start_s) return invalid("end must be after start");
  if (auto m = body.find("message"); m != body.end() && !m->is_null()) {
    if (!m->is_string()) return invalid("message must be a string");
    d.message = m->get<std::string>();
  }
  if (auto tz = body.find("timezone"); tz != body.end() && !tz->is_null()) {
    if (!tz->is_string() || (*tz != "UTC" && *tz != "Etc/UTC"))
      return invalid("timezone must be UTC: downtimes in other time zones are not supported yet");
  }
  if (auto rec = body.find("recurrence"); rec != body.end() && !rec->is_null()) {
    if (!rec->is_object()) return invalid("recurrence must be an object");
    if (!d.end_s) return invalid("a recurring downtime needs an end (its first window)");
    Recurrence r;
    const std::string type = rec->value("type", "");
    if (type == "days")
      r.unit = Recurrence::Unit::days;
    else if (type == "weeks")
      r.unit = Recurrence::Unit::weeks;
    else
      return invalid("recurrence.type must be \"days\" or \"weeks\"");
    if (auto p = rec->find("period"); p != rec->end() && !p->is_null()) {
      if (!p->is_number_integer() || p->get<int64_t>() < 1 || p->get<int64_t>() > 1000)
        return invalid("recurrence.period must be a whole number from 1");
      r.period = p->get<int64_t>();
    }
    if (auto wd = rec->find("week_days"); wd != rec->end() && !wd->is_null()) {
      if (r.unit != Recurrence::Unit::weeks)
        return invalid("recurrence.week_days needs type \"weeks\"");
      if (!wd->is_array())
        return invalid("recurrence.week_days must be an array such as [\"Mon\"]");
      for (const json& day : *wd) {
        const int i = day.is_string() ? weekday_index(day.get<std::string>()) : -1;
        if (i < 0) return invalid("recurrence.week_days holds Mon, Tue, Wed, Thu, Fri, Sat or Sun");
        r.week_days.push_back(i);
      }
    }
    if (auto u = rec->find("until_date"); u != rec->end() && !u->is_null()) {
      if (!u->is_number()) return invalid("recurrence.until_date must be epoch seconds");
      r.until_s = static_cast<int64_t>(u->get<double>());
    }
    if (auto u = rec->find("until_occurrences"); u != rec->end() && !u->is_null()) {
      if (!u->is_number_integer() || u->get<int64_t>() < 1)
        return invalid("recurrence.until_occurrences must be a whole number from 1");
      r.until_occurrences = u->get<int64_t>();
    }
    if (r.unit == Recurrence::Unit::days && *d.end_s - d.start_s > r.period * kDay)
      return invalid("each window is longer than the recurrence period");
    d.recurrence = r;
  }
  return d;
}

bool downtime_active(const Downtime& d, int64_t now_s) {
  if (d.disabled || now_s < d.start_s) return false;
  if (!d.recurrence) return !d.end_s || now_s < *d.end_s;
  const int64_t duration = *d.end_s - d.start_s;
  bool active = false;
  occurrences(d, [&](int64_t start) {
    if (start > now_s) return false;
    if (now_s < start + duration) active = true;
    return !active;
  });
  return active;
}

bool downtime_matches(const Downtime& d, const Monitor& m, std::string_view group) {
  if (d.monitor_id && *d.monitor_id != m.id) return false;
  if (!has_all(m.tags, d.monitor_tags)) return false;
  std::vector<std::string> tags;
  for (const auto& [k, v] : group_tags(group)) tags.push_back(k + ":" + v);
  return has_all(tags, d.scope);
}

core::Result<int64_t> DowntimeStore::create(const Downtime& d) {
  auto r = meta_.exec("INSERT INTO downtimes(body, disabled) VALUES (?1, 0)", {d.body.dump()});
  if (!r) return r.status();
  auto rows = meta_.query("SELECT last_insert_rowid()");
  if (!rows) return rows.status();
  return std::get<int64_t>(rows->front().front());
}

core::Status DowntimeStore::replace(int64_t id, const Downtime& d) {
  auto r = meta_.exec("UPDATE downtimes SET body = ?2 WHERE id = ?1", {id, d.body.dump()});
  if (!r) return r.status();
  if (*r == 0) return core::Status(core::Code::not_found, fmt::format("Downtime {} not found", id));
  return {};
}

core::Status DowntimeStore::cancel(int64_t id) {
  auto r = meta_.exec("UPDATE downtimes SET disabled = 1 WHERE id = ?1", {id});
  if (!r) return r.status();
  if (*r == 0) return core::Status(core::Code::not_found, fmt::format("Downtime {} not found", id));
  return {};
}

core::Result<Downtime> DowntimeStore::get(int64_t id) {
  auto rows = meta_.query("SELECT id, body, disabled FROM downtimes WHERE id = ?1", {id});
  if (!rows) return rows.status();
  if (rows->empty())
    return core::Status(core::Code::not_found, fmt::format("Downtime {} not found", id));
  const auto& row = rows->front();
  auto d = parse_downtime(json::parse(std::get<std::string>(row[1]), nullptr, false), 0);
  if (!d) return d.status();
  d->id = std::get<int64_t>(row[0]);
  d->disabled = std::get<int64_t>(row[2]) != 0;
  return d;
}

core::Result<std::vector<Downtime>> DowntimeStore::list() {
  auto rows = meta_.query("SELECT id FROM downtimes ORDER BY id");
  if (!rows) return rows.status();
  std::vector<Downtime> out;
  for (const auto& row : *rows) {
    auto d = get(std::get<int64_t>(row[0]));
    if (!d) return d.status();
    out.push_back(std::move(*d));
  }
  return out;
}

core::Result<std::vector<int64_t>> DowntimeStore::silencing(const Monitor& m,
                                                            std::string_view group, int64_t now_s) {
  auto all = list();
  if (!all) return all.status();
  std::vector<int64_t> out;
  for (const auto& d : *all)
    if (downtime_active(d, now_s) && downtime_matches(d, m, group)) out.push_back(d.id);
  return out;
}

json DowntimeStore::to_json(const Downtime& d, int64_t now_s) {
  json out = d.body;
  out["id"] = d.id;
  out["scope"] = d.scope.empty() ? json::array({"*"}) : json(d.scope);
  out["monitor_id"] = d.monitor_id ? json(*d.monitor_id) : json(nullptr);
  out["monitor_tags"] = d.monitor_tags.empty() ? json::array({"*"}) : json(d.monitor_tags);
  out["start"] = d.start_s;
  out["end"] = d.end_s ? json(*d.end_s) : json(nullptr);
  out["disabled"] = d.disabled;
  out["active"] = downtime_active(d, now_s);
  return out;
}

}  // namespace heeler::monitors
