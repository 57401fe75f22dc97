// Dashboards: stored in the metadata store as Datadog dashboard JSON, so dashboards
// exported from Datadog import as they are and ours export in the same shape.
//
// A dashboard is {title, description, layout_type: "ordered"|"free", widgets:
// [{id, definition: {type, …}, layout: {x, y, width, height}}], template_variables,
// notify_list, reflow_type}; the store adds id ("abc-def-ghi"), url, created_at,
// modified_at and author_handle. Widget definitions are kept as given: the UI draws
// the types it knows and says which it does not.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/metadata.h"

namespace heeler::dashboards {

// Checks a dashboard body and returns it normalised: server-owned fields dropped,
// missing optional fields filled, every widget (nested in groups too) given a
// numeric id. Errors name the field ("widgets[3].definition.type must be a string").
core::Result<nlohmann::json> normalize(const nlohmann::json& body);

// "Service health: web (prod)" → "service-health-web-prod".
std::string slug(std::string_view title);

struct Summary {
  std::string id;
  std::string title;
  std::string description;
  std::string layout_type;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
};

class DashboardStore {
 public:
  explicit DashboardStore(store::MetadataStore& meta) : meta_(meta) {}

  // Stores a normalised body under a new id; returns the dashboard as served.
  core::Result<nlohmann::json> create(const nlohmann::json& normalized);
  // Replaces a dashboard's body, keeping its id and creation time.
  core::Result<nlohmann::json> replace(const std::string& id, const nlohmann::json& normalized);
  core::Result<nlohmann::json> get(const std::string& id);
  core::Status remove(const std::string& id);
  // Every dashboard, most recently modified first.
  core::Result<std::vector<Summary>> list();

 private:
  store::MetadataStore& meta_;
};

// The served form of a summary (GET /api/v1/dashboard).
nlohmann::json summary_json(const Summary& s);

}  // namespace heeler::dashboards
