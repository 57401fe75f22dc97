#include "monitors/evaluation.h"

#include <cmath>
#include <set>

namespace heeler::monitors {
namespace {

int rank(State s) {
  switch (s) {
    case State::alert:
      return 4;
    case State::warn:
      return 3;
    case State::no_data:
      return 2;
    case State::ok:
      return 1;
    case State::skipped:
      return 0;
  }
  return 0;
}

bool in(const std::vector<std::string>& list, std::string_view s) {
  for (const auto& x : list)
    if (x == s) return true;
  return false;
}

std::string_view renotify_name(State s) {
  return s == State::alert ? "alert" : s == State::warn ? "warn" : "no data";
}

// The state a value leads to from `prev`, by the thresholds and their recoveries.
State state_for(const MonitorQuery& q, const Thresholds& t, State prev, double v) {
  const std::string& cmp = q.comparator;
  if (breaches(cmp, v, *t.critical)) return State::alert;
  if (prev == State::alert && t.critical_recovery && breaches(cmp, v, *t.critical_recovery))
    return State::alert;
  if (t.warning && breaches(cmp, v, *t.warning)) return State::warn;
  if ((prev == State::warn || prev == State::alert) && t.warning && t.warning_recovery &&
      breaches(cmp, v, *t.warning_recovery))
    return State::warn;
  return State::ok;
}

// Whether moving between two states sends a notification.
bool notifies(const MonitorOptions& o, State from, State to) {
  if (from == to) return false;
  if (to == State::skipped) return false;
  if (from == State::skipped && to == State::ok) return false;
  // Into and out of NO DATA is news only when no data notifies.
  if (to == State::no_data || from == State::no_data)
    return o.missing == MissingData::show_and_notify || to == State::alert || to == State::warn;
  return true;
}

void settle(const Monitor& m, const std::string& group, GroupState next,
            const std::map<std::string, GroupState>& previous, int64_t now, Evaluation& out) {
  auto prev_it = previous.find(group);
  const bool known = prev_it != previous.end();
  const GroupState prev = known ? prev_it->second : GroupState{};
  const State from = known ? prev.state : State::ok;
  next.last_change_ms = known ? prev.last_change_ms : now;
  next.last_notified_ms = known ? prev.last_notified_ms : 0;
  if (!known || next.state != from) {
    next.last_change_ms = now;
    // A new group that starts OK is not news.
    if (known || next.state != State::ok) {
      Transition t{group,      from,  next.state,
                   next.value, false, notifies(m.options, from, next.state)};
      if (!known && next.state == State::no_data)
        t.notify = m.options.missing == MissingData::show_and_notify;
      if (t.notify) next.last_notified_ms = now;
      out.transitions.push_back(t);
    }
  } else if (m.options.renotify_interval_seconds > 0 &&
             (next.state == State::alert || next.state == State::warn ||
              next.state == State::no_data) &&
             in(m.options.renotify_statuses, renotify_name(next.state)) &&
             (next.state != State::no_data || m.options.missing == MissingData::show_and_notify) &&
             now - prev.last_notified_ms >= m.options.renotify_interval_seconds * 1000) {
    out.transitions.push_back({group, from, next.state, next.value, true, true});
    next.last_notified_ms = now;
  }
  out.groups[group] = next;
}

void finish(Evaluation& out) {
  if (out.groups.empty()) {
    out.overall = State::no_data;
    return;
  }
  State overall = State::skipped;
  for (const auto& [group, g] : out.groups) overall = worse(overall, g.state);
  out.overall = overall;
}

}  // namespace

std::string_view state_name(State state) {
  switch (state) {
    case State::ok:
      return "OK";
    case State::warn:
      return "Warn";
    case State::alert:
      return "Alert";
    case State::no_data:
      return "No Data";
    case State::skipped:
      return "Skipped";
  }
  return "?";
}

std::optional<State> state_from_name(std::string_view name) {
  for (State s : {State::ok, State::warn, State::alert, State::no_data, State::skipped})
    if (state_name(s) == name) return s;
  return std::nullopt;
}

State worse(State a, State b) {
  return rank(a) >= rank(b) ? a : b;
}

core::Result<Evaluation> evaluate(const Monitor& m,
                                  const std::map<std::string, GroupState>& previous,
                                  DataSource& data, int64_t now_ms) {
  const MonitorQuery& q = m.query;
  Evaluation out;
  out.window_to_ms = now_ms - m.options.evaluation_delay_seconds * 1000;
  out.window_from_ms = out.window_to_ms - q.window_seconds * 1000;
  auto current = data.values(q, out.window_from_ms, out.window_to_ms);
  if (!current) return current.status();
  std::map<std::string, GroupValue> values;
  for (auto& v : *current) values[v.group] = v;
  if (q.kind == QueryKind::metric && q.change != MonitorQuery::Change::none) {
    const int64_t shift = q.change_shift_seconds * 1000;
    auto before = data.values(q, out.window_from_ms - shift, out.window_to_ms - shift);
    if (!before) return before.status();
    std::map<std::string, double> then;
    for (const auto& v : *before) then[v.group] = v.value;
    for (auto& [group, v] : values) {
      auto it = then.find(group);
      const double old = it == then.end() ? NAN : it->second;
      if (q.change == MonitorQuery::Change::change)
        v.value = v.value - old;
      else
        v.value = old == 0 || std::isnan(old) ? NAN : (v.value - old) / std::fabs(old) * 100.0;
    }
  }
  // A count of events is 0 where nothing matched, not missing data.
  const bool zero_when_missing = q.kind == QueryKind::synthetics ||
                                 (q.kind != QueryKind::metric && q.events.aggregation == "count");
  std::set<std::string> groups;
  for (const auto& [g, v] : values) groups.insert(g);
  for (const auto& [g, s] : previous) groups.insert(g);
  if (groups.empty() && (q.group_by().empty())) groups.insert("");
  const int64_t no_data_ms =
      (m.options.no_data_seconds ? m.options.no_data_seconds : 2 * q.window_seconds) * 1000;
  for (const std::string& group : groups) {
    auto prev_it = previous.find(group);
    const bool known = prev_it != previous.end();
    const State prev_state = known ? prev_it->second.state : State::ok;
    GroupState next;
    next.last_data_ms = known ? prev_it->second.last_data_ms : 0;
    auto v_it = values.find(group);
    double v = v_it == values.end() ? NAN : v_it->second.value;
    if (std::isnan(v) && zero_when_missing && v_it == values.end()) v = 0;
    next.value = v;
    if (!std::isnan(v)) {
      next.last_data_ms = now_ms;
      if (m.options.require_full_window && v_it != values.end() && !v_it->second.full_window)
        next.state = known ? prev_state : State::skipped;
      else
        next.state = state_for(q, m.options.thresholds, prev_state, v);
    } else {
      const bool timed_out =
          !known || next.last_data_ms == 0 || now_ms - next.last_data_ms >= no_data_ms;
      if (!timed_out) {
        next.state = prev_state;
      } else {
        switch (m.options.missing) {
          case MissingData::keep:
            // Datadog's default: a group that stops reporting keeps its state, and a
            // monitor that never had data shows NO DATA without notifying.
            next.state = known ? prev_state : State::no_data;
            break;
          case MissingData::show:
          case MissingData::show_and_notify:
            next.state = State::no_data;
            break;
          case MissingData::resolve:
            next.state = State::ok;
            break;
        }
      }
    }
    settle(m, group, next, previous, now_ms, out);
  }
  finish(out);
  return out;
}

namespace {

// nullopt: unknown (a monitor with no data or not found).
std::optional<bool> composite_value(const CompositeNode& node,
                                    const std::map<int64_t, State>& states) {
  switch (node.kind) {
    case CompositeNode::Kind::monitor: {
      auto it = states.find(node.monitor_id);
      if (it == states.end() || it->second == State::no_data) return std::nullopt;
      return it->second == State::alert;
    }
    case CompositeNode::Kind::negate: {
      auto v = composite_value(*node.children[0], states);
      if (!v) return std::nullopt;
      return !*v;
    }
    case CompositeNode::Kind::all:
    case CompositeNode::Kind::any: {
      const bool all = node.kind == CompositeNode::Kind::all;
      bool unknown = false;
      for (const auto& c : node.children) {
        auto v = composite_value(*c, states);
        if (!v) {
          unknown = true;
          continue;
        }
        if (all && !*v) return false;
        if (!all && *v) return true;
      }
      if (unknown) return std::nullopt;
      return all;
    }
  }
  return std::nullopt;
}

}  // namespace

Evaluation evaluate_composite(const Monitor& m, const std::map<std::string, GroupState>& previous,
                              const std::map<int64_t, State>& states, int64_t now_ms) {
  Evaluation out;
  out.window_from_ms = out.window_to_ms = now_ms;
  auto v = m.query.composite ? composite_value(*m.query.composite, states) : std::nullopt;
  GroupState next;
  next.value = v ? (*v ? 1 : 0) : NAN;
  next.state = !v ? State::no_data : *v ? State::alert : State::ok;
  next.last_data_ms = v ? now_ms : (previous.count("") ? previous.at("").last_data_ms : 0);
  settle(m, "", next, previous, now_ms, out);
  finish(out);
  return out;
}

}  // namespace heeler::monitors
