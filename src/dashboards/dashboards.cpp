#include "dashboards/dashboards.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <random>
#include <set>

#include "core/json_fields.h"

namespace heeler::dashboards {
namespace {

using nlohmann::json;

constexpr size_t kMaxWidgets = 1000;
constexpr size_t kMaxTitle = 1000;

core::Status invalid(std::string message) {
  return core::Status(core::Code::invalid_argument, std::move(message));
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

// Widget ids stay below 2^53 so JavaScript reads them exactly.
int64_t new_widget_id() {
  return static_cast<int64_t>(std::uniform_int_distribution<uint64_t>(1, (1ULL << 53) - 1)(rng()));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Datadog's form: "2026-11-22T10:00:00.123000+00:00".
bool is_whole(const json& v) {
  if (v.is_number_integer()) return true;
  return v.is_number_float() && v.get<double>() == static_cast<double>(v.get<int64_t>());
}

core::Status check_layout(const json& layout, const std::string& at) {
  if (!layout.is_object()) return invalid(at + " must be an object");
  for (const char* key : {"x", "y", "width", "height"}) {
    auto it = layout.find(key);
    if (it == layout.end()) return invalid(fmt::format("{}.{} is required", at, key));
    if (!it->is_number() || !is_whole(*it) || it->get<double>() < 0 || it->get<double>() > 1e6)
      return invalid(fmt::format("{}.{} must be a whole number from 0", at, key));
  }
  if (layout["width"].get<double>() < 1 || layout["height"].get<double>() < 1)
    return invalid(at + " must be at least 1 wide and 1 high");
  return {};
}

struct WidgetWalk {
  std::set<int64_t> ids;
  size_t count = 0;

  core::Status walk(json& widgets, const std::string& at) {
    if (!widgets.is_array()) return invalid(at + " must be an array");
    for (size_t i = 0; i < widgets.size(); ++i) {
      const std::string here = fmt::format("{}[{}]", at, i);
      json& widget = widgets[i];
      if (!widget.is_object()) return invalid(here + " must be an object");
      if (++count > kMaxWidgets)
        return invalid(fmt::format("a dashboard holds at most {} widgets", kMaxWidgets));
      auto def = widget.find("definition");
      if (def == widget.end()) return invalid(here + ".definition is required");
      if (!def->is_object()) return invalid(here + ".definition must be an object");
      auto type = def->find("type");
      if (type == def->end() || !type->is_string() || type->get<std::string>().empty())
        return invalid(here + ".definition.type must be a non-empty string");
      if (auto requests = def->find("requests");
          requests != def->end() && !requests->is_array() && !requests->is_object())
        return invalid(here + ".definition.requests must be an array");
      if (auto layout = widget.find("layout"); layout != widget.end() && !layout->is_null()) {
        if (auto st = check_layout(*layout, here + ".layout"); !st.ok()) return st;
      }
      // Ids: kept when whole and unused, otherwise new.
      auto id = widget.find("id");
      const bool keep = id != widget.end() && id->is_number_integer() && id->get<int64_t>() > 0 &&
                        !ids.contains(id->get<int64_t>());
      int64_t wid = keep ? id->get<int64_t>() : 0;
      while (!wid || ids.contains(wid)) wid = new_widget_id();
      ids.insert(wid);
      widget["id"] = wid;
      if (auto nested = def->find("widgets"); nested != def->end()) {
        if (auto st = walk(*nested, here + ".definition.widgets"); !st.ok()) return st;
      }
    }
    return {};
  }
};

core::Status check_template_variables(const json& vars) {
  if (!vars.is_array()) return invalid("template_variables must be an array");
  std::set<std::string> names;
  for (size_t i = 0; i < vars.size(); ++i) {
    const std::string at = fmt::format("template_variables[{}]", i);
    const json& v = vars[i];
    if (!v.is_object()) return invalid(at + " must be an object");
    auto name = v.find("name");
    if (name == v.end() || !name->is_string() || name->get<std::string>().empty())
      return invalid(at + ".name must be a non-empty string");
    const std::string n = name->get<std::string>();
    for (char c : n)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
        return invalid(fmt::format("{}.name '{}' may hold only letters, digits, _ - and .", at, n));
    if (!names.insert(n).second) return invalid(fmt::format("{}.name '{}' is repeated", at, n));
    for (const char* key : {"prefix", "default"}) {
      auto it = v.find(key);
      if (it != v.end() && !it->is_null() && !it->is_string())
        return invalid(fmt::format("{}.{} must be a string", at, key));
    }
    for (const char* key : {"defaults", "available_values"}) {
      auto it = v.find(key);
      if (it == v.end() || it->is_null()) continue;
      if (!it->is_array())
        return invalid(fmt::format("{}.{} must be an array of strings", at, key));
      for (const json& s : *it)
        if (!s.is_string())
          return invalid(fmt::format("{}.{} must be an array of strings", at, key));
    }
  }
  return {};
}

json served(const std::string& id, const json& body, int64_t created, int64_t modified) {
  json out = body;
  out["id"] = id;
  out["url"] = fmt::format("/dashboard/{}/{}", id, slug(core::field(body, "title", "")));
  out["created_at"] = store::object_time(created);
  out["modified_at"] = store::object_time(modified);
  out["author_handle"] = "";
  out["author_name"] = nullptr;
  out["is_read_only"] = false;
  return out;
}

core::Status not_found(const std::string& id) {
  return core::Status(core::Code::not_found, fmt::format("Dashboard {} not found", id));
}

}  // namespace

core::Result<json> normalize(const json& body) {
  if (!body.is_object()) return invalid("the body must be a JSON object (a dashboard)");
  json out = body;
  for (const char* owned :
       {"id", "url", "created_at", "modified_at", "author_handle", "author_name", "is_read_only"})
    out.erase(owned);
  auto title = out.find("title");
  if (title == out.end()) return invalid("title is required");
  if (!title->is_string()) return invalid("title must be a string");
  const std::string t = title->get<std::string>();
  if (t.find_first_not_of(" \t\r\n") == std::string::npos)
    return invalid("title must not be empty");
  if (t.size() > kMaxTitle) return invalid(fmt::format("title is longer than {} bytes", kMaxTitle));
  if (auto d = out.find("description"); d == out.end())
    out["description"] = nullptr;
  else if (!d->is_null() && !d->is_string())
    return invalid("description must be a string or null");
  auto layout = out.find("layout_type");
  if (layout == out.end()) return invalid("layout_type is required (\"ordered\" or \"free\")");
  if (!layout->is_string() || (*layout != "ordered" && *layout != "free"))
    return invalid("layout_type must be \"ordered\" or \"free\"");
  if (auto r = out.find("reflow_type");
      r != out.end() && !r->is_null() && (!r->is_string() || (*r != "auto" && *r != "fixed")))
    return invalid("reflow_type must be \"auto\" or \"fixed\"");
  auto widgets = out.find("widgets");
  if (widgets == out.end()) return invalid("widgets is required (an array, may be empty)");
  WidgetWalk walk;
  if (auto st = walk.walk(*widgets, "widgets"); !st.ok()) return st;
  if (auto v = out.find("template_variables"); v == out.end() || v->is_null())
    out["template_variables"] = json::array();
  else if (auto st = check_template_variables(*v); !st.ok())
    return st;
  if (auto n = out.find("notify_list"); n == out.end() || n->is_null()) {
    out["notify_list"] = json::array();
  } else {
    if (!n->is_array()) return invalid("notify_list must be an array of strings");
    for (const json& s : *n)
      if (!s.is_string()) return invalid("notify_list must be an array of strings");
  }
  return out;
}

std::string slug(std::string_view title) {
  std::string out;
  bool dash = false;
  for (unsigned char c : title) {
    if (std::isalnum(c)) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(c));
      dash = false;
    } else {
      dash = true;
    }
  }
  return out;
}

core::Result<json> DashboardStore::create(const json& normalized) {
  const int64_t now = now_ms();
  const std::string body = normalized.dump();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string id = store::new_object_id();
    auto taken = meta_.query("SELECT 1 FROM dashboards WHERE id = ?1", {id});
    if (!taken) return taken.status();
    if (!taken->empty()) continue;
    auto inserted = meta_.exec(
        "INSERT INTO dashboards(id, title, description, layout_type, body, created_ms, "
        "modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        {id, core::field(normalized, "title", ""),
         normalized["description"].is_string() ? normalized["description"].get<std::string>() : "",
         core::field(normalized, "layout_type", ""), body, now});
    if (!inserted) return inserted.status();
    return served(id, normalized, now, now);
  }
  return core::Status(core::Code::internal, "no free dashboard id after 8 tries");
}

core::Result<json> DashboardStore::replace(const std::string& id, const json& normalized) {
  const int64_t now = now_ms();
  auto changed = meta_.exec(
      "UPDATE dashboards SET title = ?2, description = ?3, layout_type = ?4, body = ?5, "
      "modified_ms = max(?6, modified_ms + 1) WHERE id = ?1",
      {id, core::field(normalized, "title", ""),
       normalized["description"].is_string() ? normalized["description"].get<std::string>() : "",
       core::field(normalized, "layout_type", ""), normalized.dump(), now});
  if (!changed) return changed.status();
  if (*changed == 0) return not_found(id);
  return get(id);
}

core::Result<json> DashboardStore::get(const std::string& id) {
  auto rows =
      meta_.query("SELECT body, created_ms, modified_ms FROM dashboards WHERE id = ?1", {id});
  if (!rows) return rows.status();
  if (rows->empty()) return not_found(id);
  const auto& row = rows->front();
  json body = json::parse(store::meta_text(row[0]), nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::internal, fmt::format("dashboard {} is stored damaged", id));
  return served(id, body, store::meta_int(row[1]), store::meta_int(row[2]));
}

core::Status DashboardStore::remove(const std::string& id) {
  auto changed = meta_.exec("DELETE FROM dashboards WHERE id = ?1", {id});
  if (!changed) return changed.status();
  if (*changed == 0) return not_found(id);
  return {};
}

core::Result<std::vector<Summary>> DashboardStore::list() {
  auto rows = meta_.query(
      "SELECT id, title, description, layout_type, created_ms, modified_ms FROM dashboards "
      "ORDER BY modified_ms DESC, id");
  if (!rows) return rows.status();
  std::vector<Summary> out;
  out.reserve(rows->size());
  for (const auto& row : *rows)
    out.push_back({store::meta_text(row[0]), store::meta_text(row[1]), store::meta_text(row[2]),
                   store::meta_text(row[3]), store::meta_int(row[4]), store::meta_int(row[5])});
  return out;
}

json summary_json(const Summary& s) {
  return {{"id", s.id},
          {"title", s.title},
          {"description", s.description.empty() ? json(nullptr) : json(s.description)},
          {"layout_type", s.layout_type},
          {"url", fmt::format("/dashboard/{}/{}", s.id, slug(s.title))},
          {"created_at", store::object_time(s.created_ms)},
          {"modified_at", store::object_time(s.modified_ms)},
          {"author_handle", ""},
          {"is_read_only", false}};
}

}  // namespace heeler::dashboards
