// One evaluation of a monitor: the value of each group over the monitor's window, the
// state each group moves to, and the transitions that notify.
//
// States follow Datadog: OK, WARN, ALERT, NO DATA, and SKIPPED (a group whose window was
// not full when require_full_window is set). A group enters ALERT when its value breaks
// the critical threshold and leaves it only when the value no longer breaks
// critical_recovery (when set); WARN likewise with warning and warning_recovery. The
// window ends evaluation_delay before `now`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitors/monitor.h"

namespace heeler::monitors {

enum class State { ok, warn, alert, no_data, skipped };
std::string_view state_name(State state);  // "OK", "Warn", "Alert", "No Data", "Skipped"
std::optional<State> state_from_name(std::string_view name);
// The worst of two states, for a monitor's overall state: Alert > Warn > No Data > OK >
// Skipped.
State worse(State a, State b);

// What a data source reports for one group over a window.
struct GroupValue {
  std::string group;  // "host:web-1,env:prod" (the group-by tags in order); "" ungrouped
  double value = 0;   // NaN: no data in the window
  bool full_window = true;
};

// Where values come from; the server's reads the store, tests supply their own.
class DataSource {
 public:
  virtual ~DataSource() = default;
  // The value of every group of a metric, logs or spans monitor over [from_ms, to_ms).
  virtual core::Result<std::vector<GroupValue>> values(const MonitorQuery& query, int64_t from_ms,
                                                       int64_t to_ms) = 0;
};

// What is remembered of a group between evaluations.
struct GroupState {
  State state = State::ok;
  double value = 0;              // NaN when the last evaluation had no data
  int64_t last_change_ms = 0;    // when the state last changed
  int64_t last_data_ms = 0;      // the last evaluation that had data
  int64_t last_notified_ms = 0;  // the last notification (transition or renotify)
};

struct Transition {
  std::string group;
  State from = State::ok;
  State to = State::ok;
  double value = 0;
  bool renotify = false;  // the same state again after renotify_interval
  bool notify = true;     // false for moves that only show (NO DATA without notify, SKIPPED)
};

struct Evaluation {
  std::map<std::string, GroupState> groups;  // every group after this evaluation
  std::vector<Transition> transitions;
  State overall = State::ok;
  int64_t window_from_ms = 0;
  int64_t window_to_ms = 0;
};

// Evaluates a metric, logs or spans monitor at `now_ms` given the groups' previous states.
core::Result<Evaluation> evaluate(const Monitor& monitor,
                                  const std::map<std::string, GroupState>& previous,
                                  DataSource& data, int64_t now_ms);

// Evaluates a composite from the overall states of the monitors it names (a monitor is
// true when in ALERT; the composite is NO DATA when any it names is unknown or has
// no data).
Evaluation evaluate_composite(const Monitor& monitor,
                              const std::map<std::string, GroupState>& previous,
                              const std::map<int64_t, State>& states, int64_t now_ms);

}  // namespace heeler::monitors
