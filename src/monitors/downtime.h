// Downtimes: windows in which monitors stay evaluated but do not notify, in Datadog's
// v1 shape: {scope: ["env:prod"] or "*", monitor_id?, monitor_tags?, start, end
// (epoch seconds; end null: until cancelled), message, recurrence {type: "days" |
// "weeks", period, week_days: ["Mon", …], until_date, until_occurrences}, timezone
// ("UTC")}. A group is silenced when a downtime is active, its monitor matches (by id,
// or by carrying every monitor tag) and the group carries every scope tag.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitors/monitor.h"
#include "store/metadata.h"

namespace heeler::monitors {

struct Recurrence {
  enum class Unit { days, weeks } unit = Unit::days;
  int64_t period = 1;
  std::vector<int> week_days;  // 0 = Monday … 6 = Sunday; weeks only, empty: start's day
  std::optional<int64_t> until_s;
  std::optional<int64_t> until_occurrences;
};

struct Downtime {
  int64_t id = 0;
  std::vector<std::string> scope;  // "key:value"; empty: every group
  std::optional<int64_t> monitor_id;
  std::vector<std::string> monitor_tags;
  int64_t start_s = 0;
  std::optional<int64_t> end_s;
  std::optional<Recurrence> recurrence;
  std::string message;
  bool disabled = false;  // cancelled
  nlohmann::json body;    // as given, normalised
};

// Checks a downtime body; errors name the field. `now_s` fills a missing start.
core::Result<Downtime> parse_downtime(const nlohmann::json& body, int64_t now_s);

// Whether the downtime silences at `now_s` (its window, or one of its recurrences).
bool downtime_active(const Downtime& d, int64_t now_s);
// Whether it applies to this monitor's group.
bool downtime_matches(const Downtime& d, const Monitor& m, std::string_view group);

class DowntimeStore {
 public:
  explicit DowntimeStore(store::MetadataStore& meta) : meta_(meta) {}
  core::Result<int64_t> create(const Downtime& d);
  core::Status replace(int64_t id, const Downtime& d);
  core::Status cancel(int64_t id);  // disabled, kept for the record
  core::Result<Downtime> get(int64_t id);
  core::Result<std::vector<Downtime>> list();
  // The ids of active downtimes that silence this group now.
  core::Result<std::vector<int64_t>> silencing(const Monitor& m, std::string_view group,
                                               int64_t now_s);
  static nlohmann::json to_json(const Downtime& d, int64_t now_s);

 private:
  store::MetadataStore& meta_;
};

}  // namespace heeler::monitors
