#include "intake/datadog_http/decode.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "agent_payload.pb.h"
#include "net/http.h"
#include "pipeline/log_processing.h"

namespace heeler::intake {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kDaySeconds = 86'400;

// Where a body stops being JSON, for the error message (only on the error path).
std::string json_error_position(std::string_view body, simdjson::error_code code) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(body.begin(), body.end());
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1; report the 0-based offset of the offending character.
    std::string_view what = e.what();
    if (const size_t at = what.find("] "); at != std::string_view::npos) what.remove_prefix(at + 2);
    return fmt::format("invalid JSON at byte {}: {}", e.byte > 0 ? e.byte - 1 : 0, what);
  } catch (const std::exception& e) {
    return fmt::format("invalid JSON: {}", e.what());
  }
  return fmt::format("invalid JSON: {}", simdjson::error_message(code));
}

core::Status parse_body(simdjson::dom::parser& parser, std::string_view body, element& root) {
  if (body.empty()) return {core::Code::invalid_argument, "invalid JSON at byte 0: empty body"};
  const simdjson::error_code code = parser.parse(body.data(), body.size(), true).get(root);
  if (code != simdjson::SUCCESS)
    return {core::Code::invalid_argument, json_error_position(body, code)};
  return {};
}

std::string_view type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

bool as_number(element e, double& out) {
  switch (e.type()) {
    case element_type::INT64:
      out = static_cast<double>(e.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      out = static_cast<double>(e.get_uint64().value_unsafe());
      return true;
    case element_type::DOUBLE:
      out = e.get_double().value_unsafe();
      return true;
    default:
      return false;
  }
}

// Optional string field: true when absent or a string (then `out` is set).
bool optional_string(simdjson::dom::object obj, std::string_view key, std::string_view& out) {
  element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return true;
  return e.get_string().get(out) == simdjson::SUCCESS;
}

// Optional array of strings; true when absent or all strings.
bool optional_tags(simdjson::dom::object obj, std::string_view key,
                   std::vector<std::string_view>& out) {
  element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return true;
  simdjson::dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) return false;
  for (element tag : array) {
    std::string_view s;
    if (tag.get_string().get(s) != simdjson::SUCCESS) return false;
    if (!s.empty()) out.push_back(s);
  }
  return true;
}

// Seconds since the epoch → ms; absurd values become the receive time (counted).
int64_t clamp_seconds(double seconds, int64_t now_ns, DropReport& report) {
  const double now_s = static_cast<double>(now_ns) / kNsPerSecond;
  if (!std::isfinite(seconds) || seconds < 0 || seconds > now_s + kDaySeconds) {
    ++report.clamped;
    return now_ns / 1'000'000;
  }
  return static_cast<int64_t>(std::llround(seconds * 1000.0));
}

// {"series":[…]} → the array, or an invalid_argument naming what was found.
core::Status series_array(element root, simdjson::dom::array& out) {
  simdjson::dom::object obj;
  element series;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return {core::Code::invalid_argument,
            fmt::format("expected an object {{\"series\":[…]}}, found {}", type_name(root.type()))};
  if (obj.at_key("series").get(series) != simdjson::SUCCESS)
    return {core::Code::invalid_argument, "missing field \"series\""};
  if (series.get_array().get(out) != simdjson::SUCCESS)
    return {core::Code::invalid_argument,
            fmt::format("\"series\" must be an array, found {}", type_name(series.type()))};
  return {};
}

std::string_view alert_type_for_status(int64_t status) {
  switch (status) {
    case 0:
      return "success";
    case 1:
      return "warning";
    case 2:
      return "error";
    default:
      return "info";
  }
}

// service:/env: tags fill an event's columns.
void tag_columns(std::span<const std::string_view> tags, pipeline::Event& event) {
  for (std::string_view tag : tags) {
    if (tag.starts_with("service:") && event.service.empty()) event.service = tag.substr(8);
    if (tag.starts_with("env:") && event.env.empty()) event.env = tag.substr(4);
  }
}

}  // namespace

void DropReport::drop(std::string_view reason, std::string message) {
  ++dropped;
  ++by_reason[std::string(reason)];
  if (errors.size() < kMaxErrors) errors.push_back(std::move(message));
}

namespace {

void decode_log_item(pipeline::LogProcessor& processor, element item, size_t index,
                     pipeline::LogBatch& batch, DropReport& report,
                     std::string_view default_source) {
  simdjson::dom::object obj;
  if (item.get_object().get(obj) != simdjson::SUCCESS) {
    report.drop("not_object", fmt::format("logs[{}]: expected an object, found {}", index,
                                          type_name(item.type())));
    return;
  }
  for (std::string_view key : {"message", "ddtags", "ddsource", "service", "hostname", "status"}) {
    element e;
    if (obj.at_key(key).get(e) == simdjson::SUCCESS && (e.is_object() || e.is_array())) {
      report.drop("bad_field_type", fmt::format("logs[{}]: \"{}\" must be a string, found {}",
                                                index, key, type_name(e.type())));
      return;
    }
  }
  processor.begin();
  processor.record().source = default_source;
  processor.add_json("", item);
  if (!processor.finish(batch)) ++report.clamped;
  ++report.items;
}

// The non-blank lines of a newline-delimited body, trimmed.
std::vector<std::string_view> nonempty_lines(std::string_view body) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// Flattens one RUM event into dotted keys. Keys and serialised arrays are built in
// `text`, so the attribute views are made only once every entry is known.
class RumFlattener {
 public:
  void reset() {
    text_.clear();
    strings_.clear();
    numbers_.clear();
    attributes_.clear();
    numeric_.clear();
  }

  void walk(simdjson::dom::object obj, size_t prefix_at, size_t prefix_len, int depth) {
    for (auto field : obj) {
      const std::string_view key = field.key;
      if (depth == 0 && (key == "ddtags" || key == "type" || key == "date")) continue;
      const size_t at = text_.size();
      if (prefix_len) {
        text_.append(text_, prefix_at, prefix_len);
        text_.push_back('.');
      }
      text_.append(key);
      const size_t len = text_.size() - at;
      const std::string_view full(text_.data() + at, len);
      // Internal SDK bookkeeping stays out, except the ids that link to a trace.
      if (full.starts_with("_dd.") && full != "_dd.trace_id" && full != "_dd.span_id" &&
          !full.starts_with("_dd.action")) {
        if (field.value.is_object() && depth < kMaxDepth) {
          simdjson::dom::object inner;
          if (field.value.get_object().get(inner) == simdjson::SUCCESS)
            walk(inner, at, len, depth + 1);
        }
        continue;
      }
      // Fields stored in their own columns are not repeated in the maps.
      if (full == "application.id" || full == "session.id" || full == "view.id" ||
          full == "view.url" || full == "view.name" || full == "service" || full == "version")
        continue;
      add(field.value, at, len, depth);
    }
  }

  std::span<const pipeline::Attribute> attributes() {
    attributes_.clear();
    for (const auto& e : strings_)
      attributes_.push_back(
          {std::string_view(text_.data() + e.key_at, e.key_len),
           e.value_in_text ? std::string_view(text_.data() + e.value_at, e.value_len) : e.value});
    return attributes_;
  }
  std::span<const pipeline::NumericAttribute> numeric() {
    numeric_.clear();
    for (const auto& e : numbers_)
      numeric_.push_back({std::string_view(text_.data() + e.key_at, e.key_len), e.value});
    return numeric_;
  }

 private:
  static constexpr int kMaxDepth = 16;
  struct StringEntry {
    size_t key_at, key_len;
    std::string_view value;  // a view into the parsed document, or…
    bool value_in_text = false;
    size_t value_at = 0, value_len = 0;  // …a span of text_
  };
  struct NumberEntry {
    size_t key_at, key_len;
    double value;
  };

  void add(element value, size_t at, size_t len, int depth) {
    switch (value.type()) {
      case element_type::OBJECT: {
        if (depth >= kMaxDepth) return;
        simdjson::dom::object inner;
        if (value.get_object().get(inner) == simdjson::SUCCESS) walk(inner, at, len, depth + 1);
        return;
      }
      case element_type::STRING:
        strings_.push_back({at, len, value.get_string().value_unsafe()});
        return;
      case element_type::BOOL:
        strings_.push_back({at, len, value.get_bool().value_unsafe() ? "true" : "false"});
        return;
      case element_type::NULL_VALUE:
        return;
      case element_type::ARRAY: {
        const size_t value_at = text_.size();
        text_ += simdjson::minify(value);
        strings_.push_back({at, len, {}, true, value_at, text_.size() - value_at});
        return;
      }
      default: {
        double n = 0;
        if (as_number(value, n)) numbers_.push_back({at, len, n});
        return;
      }
    }
  }

  std::string text_;
  std::vector<StringEntry> strings_;
  std::vector<NumberEntry> numbers_;
  std::vector<pipeline::Attribute> attributes_;
  std::vector<pipeline::NumericAttribute> numeric_;
};

std::string_view string_at(simdjson::dom::object obj, std::string_view pointer) {
  std::string_view out;
  if (obj.at_pointer(pointer).get_string().get(out) != simdjson::SUCCESS) return {};
  return out;
}

std::string_view ddtag(std::string_view tags, std::string_view key) {
  size_t start = 0;
  while (start < tags.size()) {
    size_t end = tags.find(',', start);
    if (end == std::string_view::npos) end = tags.size();
    const std::string_view tag = tags.substr(start, end - start);
    if (tag.size() > key.size() && tag.starts_with(key) && tag[key.size()] == ':')
      return tag.substr(key.size() + 1);
    start = end + 1;
  }
  return {};
}

// "https://shop.example.com/cart?x=1#top" → host "shop.example.com", path "/cart".
void split_url(std::string_view url, std::string_view& host, std::string_view& path) {
  host = {};
  path = url;
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    const std::string_view rest = url.substr(scheme + 3);
    const size_t slash = rest.find_first_of("/?#");
    host = rest.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
}

void decode_rum_item(RumFlattener& flat, element item, size_t index, int64_t now_ns,
                     pipeline::RumBatch& batch, DropReport& report) {
  simdjson::dom::object obj;
  if (item.get_object().get(obj) != simdjson::SUCCESS) {
    report.drop("not_object", fmt::format("events[{}]: expected an object, found {}", index,
                                          type_name(item.type())));
    return;
  }
  pipeline::RumEvent e;
  if (obj.at_key("type").get_string().get(e.type) != simdjson::SUCCESS || e.type.empty()) {
    report.drop("missing_type",
                fmt::format("events[{}]: \"type\" must be a non-empty string", index));
    return;
  }
  double date = -1;
  element d;
  const int64_t now_ms = now_ns / 1'000'000;
  if (obj.at_key("date").get(d) == simdjson::SUCCESS && as_number(d, date) && date >= 0 &&
      date <= static_cast<double>(now_ms + kDaySeconds * 1000)) {
    e.timestamp_ms = static_cast<int64_t>(date);
  } else {
    ++report.clamped;
    e.timestamp_ms = now_ms;
  }
  const std::string_view ddtags = string_at(obj, "/ddtags");
  e.application_id = string_at(obj, "/application/id");
  e.session_id = string_at(obj, "/session/id");
  e.view_id = string_at(obj, "/view/id");
  e.view_url = string_at(obj, "/view/url");
  e.view_name = string_at(obj, "/view/name");
  std::string_view url_host, url_path;
  split_url(e.view_url, url_host, url_path);
  if (e.view_name.empty()) e.view_name = url_path;
  e.service = string_at(obj, "/service");
  if (e.service.empty()) e.service = ddtag(ddtags, "service");
  e.version = string_at(obj, "/version");
  if (e.version.empty()) e.version = ddtag(ddtags, "version");
  e.env = ddtag(ddtags, "env");
  std::string id_pointer = fmt::format("/{}/id", e.type);
  e.event_id = string_at(obj, id_pointer);
  std::string fallback_id;
  if (e.event_id.empty()) {
    fallback_id = fmt::format("{:016x}", std::hash<std::string>{}(simdjson::minify(item)));
    e.event_id = fallback_id;
  }
  element version;
  double dv = 0;
  if (obj.at_pointer("/_dd/document_version").get(version) == simdjson::SUCCESS &&
      as_number(version, dv) && dv > 0)
    e.document_version = static_cast<uint64_t>(dv);
  flat.reset();
  flat.walk(obj, 0, 0, 0);
  std::vector<pipeline::Attribute> attributes;
  const auto walked = flat.attributes();
  attributes.reserve(walked.size() + 3);
  attributes.assign(walked.begin(), walked.end());
  if (!e.view_url.empty()) {
    attributes.push_back({"view.url_host", url_host});
    attributes.push_back({"view.url_path", url_path});
  }
  if (!e.env.empty()) attributes.push_back({"env", e.env});
  e.attributes = attributes;
  e.numeric = flat.numeric();
  batch.append(e);
  ++report.items;
}

core::Status decode_logs_document(element root, int64_t now_ns, pipeline::LogBatch& batch,
                                  DropReport& report, std::string_view default_source) {
  pipeline::LogProcessor processor(now_ns);
  auto one = [&](element item, size_t index) {
    decode_log_item(processor, item, index, batch, report, default_source);
  };
  simdjson::dom::array array;
  if (root.get_array().get(array) == simdjson::SUCCESS) {
    size_t index = 0;
    for (element item : array) one(item, index++);
  } else if (root.is_object()) {
    one(root, 0);
  } else {
    return {core::Code::invalid_argument,
            fmt::format("expected an array of log objects, found {}", type_name(root.type()))};
  }
  return {};
}

}  // namespace

core::Status decode_logs(std::string_view body, int64_t now_ns, pipeline::LogBatch& batch,
                         DropReport& report, std::string_view default_source) {
  simdjson::dom::parser parser;
  element root;
  core::Status whole = parse_body(parser, body, root);
  if (whole.ok()) return decode_logs_document(root, now_ns, batch, report, default_source);
  // Newline-delimited JSON (the browser SDK's format): one log object per line, taken
  // when the first line is a JSON object on its own.
  if (body.find('\n') == std::string_view::npos) return whole;
  const std::vector<std::string_view> lines = nonempty_lines(body);
  if (lines.empty() ||
      parser.parse(lines[0].data(), lines[0].size(), true).get(root) != simdjson::SUCCESS ||
      !root.is_object())
    return whole;
  pipeline::LogProcessor processor(now_ns);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (parser.parse(lines[i].data(), lines[i].size(), true).get(root) != simdjson::SUCCESS) {
      report.drop("invalid_json", fmt::format("logs[{}]: {}", i,
                                              json_error_position(lines[i], simdjson::TAPE_ERROR)));
      continue;
    }
    decode_log_item(processor, root, i, batch, report, default_source);
  }
  return {};
}

core::Status decode_rum(std::string_view body, int64_t now_ns, pipeline::RumBatch& batch,
                        DropReport& report) {
  simdjson::dom::parser parser;
  RumFlattener flat;
  element root;
  if (body.find('\n') == std::string_view::npos || body.front() == '[') {
    if (core::Status s = parse_body(parser, body, root); !s.ok()) return s;
    simdjson::dom::array array;
    if (root.get_array().get(array) == simdjson::SUCCESS) {
      size_t index = 0;
      for (element item : array) decode_rum_item(flat, item, index++, now_ns, batch, report);
      return {};
    }
    if (!root.is_object())
      return {core::Code::invalid_argument,
              fmt::format("expected RUM event objects, one per line, found {}",
                          type_name(root.type()))};
    decode_rum_item(flat, root, 0, now_ns, batch, report);
    return {};
  }
  const std::vector<std::string_view> lines = nonempty_lines(body);
  if (lines.empty()) return {core::Code::invalid_argument, "invalid JSON at byte 0: empty body"};
  for (size_t i = 0; i < lines.size(); ++i) {
    if (parser.parse(lines[i].data(), lines[i].size(), true).get(root) != simdjson::SUCCESS) {
      report.drop("invalid_json", fmt::format("events[{}]: {}", i,
                                              json_error_position(lines[i], simdjson::TAPE_ERROR)));
      continue;
    }
    decode_rum_item(flat, root, i, now_ns, batch, report);
  }
  return {};
}

core::Status decode_series_v1(std::string_view body, int64_t now_ns, pipeline::MetricBatch& batch,
                              DropReport& report) {
  simdjson::dom::parser parser;
  element root;
  if (core::Status s = parse_body(parser, body, root); !s.ok()) return s;
  simdjson::dom::array series;
  if (core::Status s = series_array(root, series); !s.ok()) return s;
  std::vector<std::string_view> tags;
  std::string host_tag;
  size_t index = 0;
  for (element item : series) {
    const size_t i = index++;
    simdjson::dom::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      report.drop("not_object", fmt::format("series[{}]: expected an object, found {}", i,
                                            type_name(item.type())));
      continue;
    }
    std::string_view metric, type = "gauge", host;
    tags.clear();
    if (!optional_string(obj, "metric", metric) || metric.empty()) {
      report.drop("missing_metric",
                  fmt::format("series[{}]: \"metric\" must be a non-empty string", i));
      continue;
    }
    if (!optional_string(obj, "type", type) || !optional_string(obj, "host", host) ||
        !optional_tags(obj, "tags", tags)) {
      report.drop(
          "bad_field_type",
          fmt::format(
              "series[{}]: \"type\" and \"host\" must be strings, \"tags\" an array of strings",
              i));
      continue;
    }
    pipeline::MetricKind kind;
    if (type == "gauge" || type.empty()) {
      kind = pipeline::MetricKind::gauge;
    } else if (type == "count") {
      kind = pipeline::MetricKind::count;
    } else if (type == "rate") {
      kind = pipeline::MetricKind::rate;
    } else {
      report.drop("bad_type", fmt::format("series[{}]: unknown type \"{}\"", i, type));
      continue;
    }
    simdjson::dom::array points;
    if (obj.at_key("points").get_array().get(points) != simdjson::SUCCESS) {
      report.drop("no_points", fmt::format("series[{}]: \"points\" must be an array", i));
      continue;
    }
    if (!host.empty()) {
      host_tag = fmt::format("host:{}", host);
      tags.push_back(host_tag);
    }
    size_t p = 0;
    for (element point : points) {
      const size_t pi = p++;
      simdjson::dom::array pair;
      element first, second;
      double ts = 0, value = 0;
      if (point.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
          pair.at(0).get(first) != simdjson::SUCCESS ||
          pair.at(1).get(second) != simdjson::SUCCESS || !as_number(first, ts) ||
          !as_number(second, value)) {
        report.drop(
            "bad_point",
            fmt::format("series[{}].points[{}]: expected [timestamp, value] numbers", i, pi));
        continue;
      }
      pipeline::MetricPoint mp;
      mp.metric = metric;
      mp.tags = tags;
      mp.kind = kind;
      mp.timestamp_ms = clamp_seconds(ts, now_ns, report);
      mp.value = value;
      batch.append(mp);
      ++report.items;
    }
  }
  return {};
}

core::Status decode_series_v2(std::string_view body, int64_t now_ns, pipeline::MetricBatch& batch,
                              DropReport& report) {
  simdjson::dom::parser parser;
  element root;
  if (core::Status s = parse_body(parser, body, root); !s.ok()) return s;
  simdjson::dom::array series;
  if (core::Status s = series_array(root, series); !s.ok()) return s;
  std::vector<std::string_view> tags;
  std::vector<std::string> resource_tags;
  size_t index = 0;
  for (element item : series) {
    const size_t i = index++;
    simdjson::dom::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      report.drop("not_object", fmt::format("series[{}]: expected an object, found {}", i,
                                            type_name(item.type())));
      continue;
    }
    std::string_view metric;
    tags.clear();
    resource_tags.clear();
    if (!optional_string(obj, "metric", metric) || metric.empty()) {
      report.drop("missing_metric",
                  fmt::format("series[{}]: \"metric\" must be a non-empty string", i));
      continue;
    }
    int64_t type = 0;
    element type_element;
    if (obj.at_key("type").get(type_element) == simdjson::SUCCESS && !type_element.is_null() &&
        type_element.get_int64().get(type) != simdjson::SUCCESS)
      type = -1;
    if (type < 0 || type > 3) {
      report.drop("bad_type", fmt::format("series[{}]: \"type\" must be 0, 1, 2 or 3", i));
      continue;
    }
    const pipeline::MetricKind kind = type == 1   ? pipeline::MetricKind::count
                                      : type == 2 ? pipeline::MetricKind::rate
                                                  : pipeline::MetricKind::gauge;
    if (!optional_tags(obj, "tags", tags)) {
      report.drop("bad_field_type",
                  fmt::format("series[{}]: \"tags\" must be an array of strings", i));
      continue;
    }
    bool bad = false;
    element resources_element;
    if (obj.at_key("resources").get(resources_element) == simdjson::SUCCESS &&
        !resources_element.is_null()) {
      simdjson::dom::array resources;
      if (resources_element.get_array().get(resources) != simdjson::SUCCESS) {
        bad = true;
      } else {
        for (element r : resources) {
          simdjson::dom::object ro;
          std::string_view name, rtype;
          if (r.get_object().get(ro) != simdjson::SUCCESS || !optional_string(ro, "name", name) ||
              !optional_string(ro, "type", rtype)) {
            bad = true;
            break;
          }
          if (!name.empty() && !rtype.empty())
            resource_tags.push_back(fmt::format("{}:{}", rtype, name));
        }
      }
    }
    if (bad) {
      report.drop(
          "bad_field_type",
          fmt::format("series[{}]: \"resources\" must be an array of {{name, type}} objects", i));
      continue;
    }
    for (const std::string& t : resource_tags) tags.push_back(t);
    simdjson::dom::array points;
    if (obj.at_key("points").get_array().get(points) != simdjson::SUCCESS) {
      report.drop("no_points", fmt::format("series[{}]: \"points\" must be an array", i));
      continue;
    }
    size_t p = 0;
    for (element point : points) {
      const size_t pi = p++;
      simdjson::dom::object po;
      element ts_element, value_element;
      double ts = 0, value = 0;
      if (point.get_object().get(po) != simdjson::SUCCESS ||
          po.at_key("timestamp").get(ts_element) != simdjson::SUCCESS ||
          !as_number(ts_element, ts) ||
          po.at_key("value").get(value_element) != simdjson::SUCCESS ||
          !as_number(value_element, value)) {
        report.drop(
            "bad_point",
            fmt::format("series[{}].points[{}]: expected {{\"timestamp\", \"value\"}} numbers", i,
                        pi));
        continue;
      }
      pipeline::MetricPoint mp;
      mp.metric = metric;
      mp.tags = tags;
      mp.kind = kind;
      mp.timestamp_ms = clamp_seconds(ts, now_ns, report);
      mp.value = value;
      batch.append(mp);
      ++report.items;
    }
  }
  return {};
}

core::Status decode_series_v2_protobuf(std::string_view body, int64_t now_ns,
                                       pipeline::MetricBatch& batch, DropReport& report) {
  using Payload = datadog::agentpayload::MetricPayload;
  Payload payload;
  if (body.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !payload.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return {core::Code::invalid_argument,
            fmt::format("invalid protobuf: the {} byte body is not a MetricPayload", body.size())};
  std::vector<std::string_view> tags;
  std::vector<std::string> resource_tags;
  for (int i = 0; i < payload.series_size(); ++i) {
    const Payload::MetricSeries& series = payload.series(i);
    if (series.metric().empty()) {
      report.drop("missing_metric", fmt::format("series[{}]: \"metric\" must not be empty", i));
      continue;
    }
    pipeline::MetricKind kind;
    switch (series.type()) {
      case Payload::COUNT:
        kind = pipeline::MetricKind::count;
        break;
      case Payload::RATE:
        kind = pipeline::MetricKind::rate;
        break;
      case Payload::GAUGE:
      case Payload::UNSPECIFIED:
        kind = pipeline::MetricKind::gauge;
        break;
      default:
        report.drop("bad_type", fmt::format("series[{}]: \"type\" must be 0, 1, 2 or 3", i));
        continue;
    }
    tags.clear();
    resource_tags.clear();
    for (const std::string& tag : series.tags())
      if (!tag.empty()) tags.push_back(tag);
    for (const auto& resource : series.resources())
      if (!resource.name().empty() && !resource.type().empty())
        resource_tags.push_back(fmt::format("{}:{}", resource.type(), resource.name()));
    for (const std::string& t : resource_tags) tags.push_back(t);
    for (const auto& point : series.points()) {
      pipeline::MetricPoint mp;
      mp.metric = series.metric();
      mp.tags = tags;
      mp.kind = kind;
      mp.timestamp_ms = clamp_seconds(static_cast<double>(point.timestamp()), now_ns, report);
      mp.value = point.value();
      batch.append(mp);
      ++report.items;
    }
  }
  return {};
}

core::Status decode_event(std::string_view body, int64_t now_ns, pipeline::EventBatch& batch,
                          DropReport& report, std::string& event_json) {
  simdjson::dom::parser parser;
  element root;
  if (core::Status s = parse_body(parser, body, root); !s.ok()) return s;
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return {core::Code::invalid_argument,
            fmt::format("expected an event object, found {}", type_name(root.type()))};
  pipeline::Event event;
  std::vector<std::string_view> tags;
  if (!optional_string(obj, "title", event.title) || !optional_string(obj, "text", event.text) ||
      !optional_string(obj, "priority", event.priority) ||
      !optional_string(obj, "host", event.host) ||
      !optional_string(obj, "alert_type", event.alert_type) ||
      !optional_string(obj, "aggregation_key", event.aggregation_key) ||
      !optional_string(obj, "source_type_name", event.source) ||
      !optional_tags(obj, "tags", tags)) {
    report.drop("bad_field_type",
                "event: title, text, priority, host, alert_type, aggregation_key and "
                "source_type_name must be strings, tags an array of strings");
    return {};
  }
  if (event.title.empty()) {
    report.drop("missing_title", "event: \"title\" is required");
    return {};
  }
  element date;
  double seconds = static_cast<double>(now_ns / kNsPerSecond);
  if (obj.at_key("date_happened").get(date) == simdjson::SUCCESS && !date.is_null() &&
      !as_number(date, seconds)) {
    report.drop("bad_field_type", "event: \"date_happened\" must be a number of seconds");
    return {};
  }
  if (event.priority.empty()) event.priority = "normal";
  if (event.alert_type.empty()) event.alert_type = "info";
  event.timestamp_ms = clamp_seconds(seconds, now_ns, report);
  event.tags = tags;
  tag_columns(tags, event);
  batch.append(event);
  ++report.items;
  const uint64_t id = static_cast<uint64_t>(now_ns);
  std::string tag_list;
  for (std::string_view t : tags)
    tag_list += fmt::format("{}\"{}\"", tag_list.empty() ? "" : ",", net::json_escape(t));
  event_json = fmt::format(
      R"({{"id":{},"id_str":"{}","title":"{}","text":"{}","date_happened":{},"priority":"{}",)"
      R"("alert_type":"{}","host":"{}","source_type_name":"{}","tags":[{}],"url":""}})",
      id, id, net::json_escape(event.title), net::json_escape(event.text),
      event.timestamp_ms / 1000, net::json_escape(event.priority),
      net::json_escape(event.alert_type), net::json_escape(event.host),
      net::json_escape(event.source), tag_list);
  return {};
}

core::Status decode_check_runs(std::string_view body, int64_t now_ns, pipeline::EventBatch& batch,
                               DropReport& report) {
  simdjson::dom::parser parser;
  element root;
  if (core::Status s = parse_body(parser, body, root); !s.ok()) return s;
  std::vector<std::string_view> tags;
  auto one = [&](element item, size_t i) {
    simdjson::dom::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      report.drop("not_object", fmt::format("check_run[{}]: expected an object, found {}", i,
                                            type_name(item.type())));
      return;
    }
    pipeline::Event event;
    tags.clear();
    if (!optional_string(obj, "check", event.title) || event.title.empty()) {
      report.drop("missing_check",
                  fmt::format("check_run[{}]: \"check\" must be a non-empty string", i));
      return;
    }
    int64_t status = -1;
    element status_element;
    if (obj.at_key("status").get(status_element) != simdjson::SUCCESS ||
        status_element.get_int64().get(status) != simdjson::SUCCESS || status < 0 || status > 3) {
      report.drop("bad_status", fmt::format("check_run[{}]: \"status\" must be 0, 1, 2 or 3", i));
      return;
    }
    if (!optional_string(obj, "host_name", event.host) ||
        !optional_string(obj, "message", event.text) || !optional_tags(obj, "tags", tags)) {
      report.drop("bad_field_type",
                  fmt::format("check_run[{}]: \"host_name\" and \"message\" must be "
                              "strings, \"tags\" an array of strings",
                              i));
      return;
    }
    double seconds = static_cast<double>(now_ns / kNsPerSecond);
    element ts;
    if (obj.at_key("timestamp").get(ts) == simdjson::SUCCESS && !ts.is_null() &&
        !as_number(ts, seconds)) {
      report.drop("bad_field_type",
                  fmt::format("check_run[{}]: \"timestamp\" must be a number", i));
      return;
    }
    event.timestamp_ms = clamp_seconds(seconds, now_ns, report);
    event.source = "service_check";
    event.alert_type = alert_type_for_status(status);
    event.priority = "normal";
    event.tags = tags;
    tag_columns(tags, event);
    batch.append(event);
    ++report.items;
  };
  simdjson::dom::array array;
  if (root.get_array().get(array) == simdjson::SUCCESS) {
    size_t index = 0;
    for (element item : array) one(item, index++);
  } else if (root.is_object()) {
    one(root, 0);
  } else {
    return {core::Code::invalid_argument,
            fmt::format("expected an array of check runs, found {}", type_name(root.type()))};
  }
  return {};
}

}  // namespace heeler::intake
