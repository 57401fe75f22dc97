#include "monitors/monitor.h"

#include <fmt/format.h>

#include <cmath>

#include "monitors/message.h"

namespace heeler::monitors {
namespace {

using nlohmann::json;

core::Status invalid(std::string message) {
  return core::Status(core::Code::invalid_argument, std::move(message));
}

// A number in a JSON field that may be absent or null.
core::Status optional_number(const json& object, const char* key, const std::string& at,
                             std::optional<double>& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_number() || !std::isfinite(it->get<double>()))
    return invalid(fmt::format("{}.{} must be a number", at, key));
  out = it->get<double>();
  return {};
}

core::Status optional_seconds(const json& object, const char* key, int64_t scale, int64_t& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1e7)
    return invalid(fmt::format("options.{} must be a number from 0", key));
  out = static_cast<int64_t>(it->get<double>() * static_cast<double>(scale));
  return {};
}

core::Status optional_bool(const json& object, const char* key, bool& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_boolean()) return invalid(fmt::format("options.{} must be true or false", key));
  out = it->get<bool>();
  return {};
}

bool above(std::string_view comparator) {
  return comparator == ">" || comparator == ">=";
}

// Datadog's rules: the critical threshold is the query's; a warning is less severe than
// critical; a recovery threshold lies on the safe side of the threshold it recovers.
core::Status check_thresholds(const MonitorQuery& q, Thresholds& t) {
  if (q.kind == QueryKind::composite) return {};
  if (!t.critical) t.critical = q.threshold;
  if (*t.critical != q.threshold)
    return invalid(fmt::format(
        "options.thresholds.critical ({}) does not match the threshold in the query ({})",
        *t.critical, q.threshold));
  const bool up = above(q.comparator);
  auto safer = [&](double a, double b) { return up ? a < b : a > b; };
  if (t.warning && !safer(*t.warning, *t.critical))
    return invalid(fmt::format("options.thresholds.warning ({}) must be {} than critical ({})",
                               *t.warning, up ? "lower" : "higher", *t.critical));
  if (t.critical_recovery && !safer(*t.critical_recovery, *t.critical))
    return invalid(
        fmt::format("options.thresholds.critical_recovery ({}) must be {} than critical ({})",
                    *t.critical_recovery, up ? "lower" : "higher", *t.critical));
  if (t.warning_recovery) {
    if (!t.warning) return invalid("options.thresholds.warning_recovery needs a warning threshold");
    if (!safer(*t.warning_recovery, *t.warning))
      return invalid(
          fmt::format("options.thresholds.warning_recovery ({}) must be {} than warning ({})",
                      *t.warning_recovery, up ? "lower" : "higher", *t.warning));
  }
  return {};
}

core::Status read_options(const json& body, Monitor& m) {
  auto it = body.find("options");
  if (it == body.end() || it->is_null()) return check_thresholds(m.query, m.options.thresholds);
  if (!it->is_object()) return invalid("options must be an object");
  const json& o = *it;
  MonitorOptions& out = m.options;
  if (auto t = o.find("thresholds"); t != o.end() && !t->is_null()) {
    if (!t->is_object()) return invalid("options.thresholds must be an object");
    for (auto [key, field] : {std::pair{"critical", &out.thresholds.critical},
                              std::pair{"warning", &out.thresholds.warning},
                              std::pair{"critical_recovery", &out.thresholds.critical_recovery},
                              std::pair{"warning_recovery", &out.thresholds.warning_recovery}}) {
      if (auto st = optional_number(*t, key, "options.thresholds", *field); !st.ok()) return st;
    }
  }
  bool notify_no_data = false;
  if (auto st = optional_bool(o, "notify_no_data", notify_no_data); !st.ok()) return st;
  out.missing = notify_no_data ? MissingData::show_and_notify : MissingData::keep;
  if (auto omd = o.find("on_missing_data"); omd != o.end() && !omd->is_null()) {
    const std::string v = omd->is_string() ? omd->get<std::string>() : "";
    if (v == "default") {
    } else if (v == "show_no_data") {
      out.missing = MissingData::show;
    } else if (v == "show_and_notify_no_data") {
      out.missing = MissingData::show_and_notify;
    } else if (v == "resolve") {
      out.missing = MissingData::resolve;
    } else {
      return invalid(
          "options.on_missing_data must be default, show_no_data, show_and_notify_no_data or "
          "resolve");
    }
  }
  if (auto st = optional_seconds(o, "no_data_timeframe", 60, out.no_data_seconds); !st.ok())
    return st;
  if (auto st = optional_seconds(o, "evaluation_delay", 1, out.evaluation_delay_seconds); !st.ok())
    return st;
  if (auto st = optional_seconds(o, "renotify_interval", 60, out.renotify_interval_seconds);
      !st.ok())
    return st;
  if (auto st = optional_bool(o, "require_full_window", out.require_full_window); !st.ok())
    return st;
  if (auto st = optional_bool(o, "include_tags", out.include_tags); !st.ok()) return st;
  if (auto rs = o.find("renotify_statuses"); rs != o.end() && !rs->is_null()) {
    if (!rs->is_array()) return invalid("options.renotify_statuses must be an array");
    out.renotify_statuses.clear();
    for (const json& s : *rs) {
      if (!s.is_string() || (s != "alert" && s != "warn" && s != "no data"))
        return invalid("options.renotify_statuses holds alert, warn or \"no data\"");
      out.renotify_statuses.push_back(s);
    }
  }
  return check_thresholds(m.query, out.thresholds);
}

}  // namespace

std::optional<QueryKind> query_kind_for_type(std::string_view type) {
  if (type == "metric alert" || type == "query alert") return QueryKind::metric;
  if (type == "log alert") return QueryKind::logs;
  if (type == "trace-analytics alert") return QueryKind::spans;
  if (type == "event-v2 alert" || type == "event alert") return QueryKind::events;
  if (type == "synthetics alert") return QueryKind::synthetics;
  if (type == "rum alert") return QueryKind::rum;
  if (type == "composite") return QueryKind::composite;
  return std::nullopt;
}

core::Result<Monitor> parse_monitor(const json& body) {
  if (!body.is_object()) return invalid("the body must be a JSON object (a monitor)");
  Monitor m;
  m.body = body;
  for (const char* owned : {"id", "created", "modified", "creator", "overall_state",
                            "overall_state_modified", "deleted", "state", "matching_downtimes"})
    m.body.erase(owned);
  auto text = [&](const char* key, bool required, std::string& out) -> core::Status {
    auto it = body.find(key);
    if (it == body.end() || it->is_null())
      return required ? invalid(fmt::format("{} is required", key)) : core::Status{};
    if (!it->is_string()) return invalid(fmt::format("{} must be a string", key));
    out = it->get<std::string>();
    return {};
  };
  if (auto st = text("type", true, m.type); !st.ok()) return st;
  if (auto st = text("query", true, m.query_text); !st.ok()) return st;
  if (auto st = text("name", false, m.name); !st.ok()) return st;
  if (auto st = text("message", false, m.message); !st.ok()) return st;
  if (m.name.size() > 1000) return invalid("name is longer than 1000 bytes");
  if (m.message.size() > 100000) return invalid("message is longer than 100000 bytes");
  auto kind = query_kind_for_type(m.type);
  if (!kind) {
    return invalid(
        fmt::format("type '{}' is not a monitor type (metric alert, query alert, log alert, "
                    "trace-analytics alert, rum alert, event-v2 alert, synthetics alert, "
                    "composite)",
                    m.type));
  }
  auto parsed = parse_monitor_query(m.query_text);
  if (!parsed.ok())
    return invalid(fmt::format("query: at {}: {}", parsed.error->position, parsed.error->message));
  m.query = std::move(*parsed.query);
  if (m.query.kind != *kind)
    return invalid(fmt::format("query: a '{}' monitor takes a {} query, not a {} query", m.type,
                               query_kind_name(*kind), query_kind_name(m.query.kind)));
  if (m.query.kind == QueryKind::metric && m.query.window_seconds > 7 * 86400)
    return invalid("query: the window is longer than a week");
  if (auto tags = body.find("tags"); tags != body.end() && !tags->is_null()) {
    if (!tags->is_array()) return invalid("tags must be an array of strings");
    for (const json& t : *tags) {
      if (!t.is_string()) return invalid("tags must be an array of strings");
      m.tags.push_back(t);
    }
  }
  if (auto p = body.find("priority"); p != body.end() && !p->is_null()) {
    if (!p->is_number_integer() || p->get<int64_t>() < 1 || p->get<int64_t>() > 5)
      return invalid("priority must be a whole number from 1 to 5, or null");
  }
  if (auto st = read_options(body, m); !st.ok()) return st;
  // Template errors are found now, not when the monitor first notifies.
  std::vector<std::string> keys;
  for (std::string key : m.query.group_by())
    keys.push_back(key.starts_with('@') ? key.substr(1) : key);
  for (auto [field, text] : {std::pair{"name", &m.name}, std::pair{"message", &m.message}}) {
    if (auto e = check_template(*text, keys))
      return invalid(fmt::format("{}: at {}: {}", field, e->position, e->message));
  }
  // The thresholds as evaluation uses them, so a read shows them.
  if (m.query.kind != QueryKind::composite)
    m.body["options"]["thresholds"]["critical"] = *m.options.thresholds.critical;
  if (!m.body.contains("name")) m.body["name"] = m.query_text;
  if (!m.body.contains("message")) m.body["message"] = "";
  if (!m.body.contains("tags")) m.body["tags"] = json::array();
  if (!m.body.contains("priority")) m.body["priority"] = nullptr;
  if (m.name.empty()) m.name = m.query_text;
  return m;
}

}  // namespace heeler::monitors
