// A monitor in Datadog's JSON shape (POST /api/v1/monitor), checked and read into the
// fields evaluation needs. The JSON is kept as the user wrote it, with the server's
// fields added, so monitors exported from Datadog import as they are.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitors/monitor_query.h"

namespace heeler::monitors {

struct Thresholds {
  std::optional<double> critical;
  std::optional<double> warning;
  std::optional<double> critical_recovery;
  std::optional<double> warning_recovery;
};

// What to do when a group stops reporting (options.on_missing_data, or the older
// notify_no_data): keep its state, show NO DATA, show and notify, or resolve to OK.
enum class MissingData { keep, show, show_and_notify, resolve };

struct MonitorOptions {
  Thresholds thresholds;
  MissingData missing = MissingData::keep;
  int64_t no_data_seconds = 0;  // 0: twice the window
  int64_t evaluation_delay_seconds = 0;
  bool require_full_window = false;
  int64_t renotify_interval_seconds = 0;  // 0: never
  std::vector<std::string> renotify_statuses = {"alert", "no data"};
  bool include_tags = true;
};

struct Monitor {
  int64_t id = 0;
  std::string name;
  std::string type;  // "metric alert", "query alert", "log alert", "trace-analytics alert", …
  std::string query_text;
  std::string message;
  std::vector<std::string> tags;
  MonitorOptions options;
  MonitorQuery query;
  nlohmann::json body;  // the normalised JSON, without id and server-owned fields
};

// The monitor types and the query language each takes.
std::optional<QueryKind> query_kind_for_type(std::string_view type);

// Checks a monitor body; errors name the field, and a query error its position
// ("query: at 26: the threshold after > must be a number"). Thresholds must agree with
// the query's condition as Datadog requires.
core::Result<Monitor> parse_monitor(const nlohmann::json& body);

}  // namespace heeler::monitors
