// Monitors, their group states and their state history, in the metadata store.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitors/evaluation.h"
#include "monitors/monitor.h"
#include "store/metadata.h"

namespace heeler::monitors {

struct StoredMonitor {
  Monitor monitor;  // with its id
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  State overall = State::no_data;
  int64_t overall_modified_ms = 0;
};

struct HistoryEntry {
  int64_t at_ms = 0;
  std::string group;
  State from = State::ok;
  State to = State::ok;
  double value = 0;
  bool renotify = false;
  bool notify = false;
};

class MonitorStore {
 public:
  explicit MonitorStore(store::MetadataStore& meta) : meta_(meta) {}

  core::Result<int64_t> create(const Monitor& monitor, int64_t now_ms);
  // Replaces the definition; group states are kept when the query is unchanged.
  core::Status replace(int64_t id, const Monitor& monitor, int64_t now_ms);
  core::Status remove(int64_t id);
  core::Result<StoredMonitor> get(int64_t id);
  core::Result<std::vector<StoredMonitor>> list();

  core::Result<std::map<std::string, GroupState>> groups(int64_t id);
  // Saves an evaluation's group states, overall state and transitions, in one transaction.
  core::Status save_evaluation(int64_t id, const Evaluation& evaluation, int64_t now_ms);
  // Newest first.
  core::Result<std::vector<HistoryEntry>> history(int64_t id, size_t limit);

  // The served JSON: the body with id, created, modified, overall_state, multi; with
  // `groups`, also state.groups as Datadog's group_states=all gives them.
  static nlohmann::json to_json(const StoredMonitor& m,
                                const std::map<std::string, GroupState>* groups = nullptr);

 private:
  core::Result<StoredMonitor> read(const store::MetaRow& row);
  store::MetadataStore& meta_;
};

}  // namespace heeler::monitors
