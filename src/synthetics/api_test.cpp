#include "synthetics/api_test.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cctype>
#include <cstdio>

#include "core/json_fields.h"

namespace heeler::synthetics {
namespace {

using nlohmann::json;

core::Status invalid(std::string message) {
  return core::Status(core::Code::invalid_argument, std::move(message));
}

bool known_method(std::string_view m) {
  for (std::string_view k : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
    if (m == k) return true;
  return false;
}

core::Status check_request(const json& request, const std::string& at) {
  if (!request.is_object()) return invalid(at + " must be an object");
  auto url = request.find("url");
  if (url == request.end() || !url->is_string() || url->get<std::string>().empty())
    return invalid(at + ".url is required");
  const std::string u = url->get<std::string>();
  if (!u.starts_with("http://") && !u.starts_with("https://") && !u.starts_with("{{"))
    return invalid(at + ".url must start with http:// or https://");
  if (auto m = request.find("method"); m != request.end() && !m->is_null()) {
    if (!m->is_string() || !known_method(m->get<std::string>()))
      return invalid(at + ".method must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS");
  }
  if (auto h = request.find("headers"); h != request.end() && !h->is_null()) {
    if (!h->is_object()) return invalid(at + ".headers must be an object of strings");
    for (const auto& [k, v] : h->items()) {
      if (!v.is_string()) return invalid(fmt::format("{}.headers.{} must be a string", at, k));
      const std::string value = v.get<std::string>();
      if (k.empty() || k.find_first_of(" :\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos)
        return invalid(fmt::format("{}.headers.{} is not a valid header", at, k));
    }
  }
  if (auto b = request.find("body"); b != request.end() && !b->is_null() && !b->is_string())
    return invalid(at + ".body must be a string");
  if (auto t = request.find("timeout"); t != request.end() && !t->is_null()) {
    if (!t->is_number() || t->get<double>() <= 0 || t->get<double>() > 300)
      return invalid(at + ".timeout must be seconds, from 0 to 300");
  }
  if (auto a = request.find("basicAuth"); a != request.end() && !a->is_null()) {
    if (!a->is_object() || !a->value("username", json()).is_string() ||
        !a->value("password", json()).is_string())
      return invalid(at + ".basicAuth must be {username, password}");
  }
  return {};
}

core::Result<std::vector<Extraction>> parse_extractions(const json& list, const std::string& at) {
  std::vector<Extraction> out;
  if (list.is_null()) return out;
  if (!list.is_array()) return invalid(at + " must be an array");
  for (size_t i = 0; i < list.size(); ++i) {
    const json& x = list[i];
    const std::string here = fmt::format("{}[{}]", at, i);
    Extraction e;
    e.name = core::field(x, "name", "");
    if (e.name.empty()) return invalid(here + ".name is required");
    for (char c : e.name)
      if (!(std::isupper(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
        return invalid(
            fmt::format("{}.name '{}' must be upper-case letters, digits and _", here, e.name));
    e.from = core::field(x, "type", "http_body");
    if (e.from != "http_body" && e.from != "http_header" && e.from != "http_status_code")
      return invalid(here + ".type must be http_body, http_header or http_status_code");
    e.field = core::field(x, "field", "");
    if (e.from == "http_header" && e.field.empty())
      return invalid(here + ".field must name the header");
    const json parser = x.value("parser", json::object());
    e.parser = core::field(parser, "type", "raw");
    e.pattern = core::field(parser, "value", "");
    if (e.parser == "json_path") {
      if (!json_path(json::object(), e.pattern))
        return invalid(fmt::format("{}.parser.value '{}' is not a JSONPath", here, e.pattern));
    } else if (e.parser == "regex") {
      RE2 re(e.pattern, RE2::Quiet);
      if (!re.ok()) return invalid(here + ".parser.value is not a valid regular expression");
    } else if (e.parser != "raw") {
      return invalid(here + ".parser.type must be raw, json_path or regex");
    }
    out.push_back(std::move(e));
  }
  return out;
}

// "HH:MM" → minutes.
std::optional<int> minutes(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  int h = 0, m = 0;
  if (std::sscanf(s.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 24 || m < 0 || m > 59)
    return std::nullopt;
  return h * 60 + m;
}

}  // namespace

static core::Result<ApiTest> parse_api_test_fields(const json& body) {
  if (!body.is_object()) return invalid("the body must be a JSON object (a synthetic test)");
  ApiTest t;
  t.body = body;
  for (const char* owned :
       {"public_id", "monitor_id", "created_at", "modified_at", "creator", "deleted_at"})
    t.body.erase(owned);
  t.name = core::field(body, "name", "");
  if (t.name.empty()) return invalid("name is required");
  if (core::field(body, "type", "api") != "api")
    return invalid("type must be \"api\" for an API test");
  t.body["type"] = "api";
  t.subtype = core::field(body, "subtype", "http");
  if (t.subtype != "http" && t.subtype != "multi")
    return invalid("subtype must be \"http\" or \"multi\" (other API test kinds are not run yet)");
  t.body["subtype"] = t.subtype;
  const json config = body.value("config", json());
  if (!config.is_object()) return invalid("config is required");
  if (auto vars = config.find("configVariables"); vars != config.end() && !vars->is_null()) {
    if (!vars->is_array()) return invalid("config.configVariables must be an array");
    for (const json& v : *vars) {
      const std::string name = core::field(v, "name", "");
      if (name.empty()) return invalid("config.configVariables needs a name for each variable");
      t.variables[name] = core::field(v, "example", core::field(v, "pattern", ""));
    }
  }
  if (t.subtype == "http") {
    ApiStep step;
    step.name = t.name;
    step.request = config.value("request", json());
    if (auto st = check_request(step.request, "config.request"); !st.ok()) return st;
    step.assertions = config.value("assertions", json::array());
    if (auto st = check_assertions(step.assertions, "config.assertions"); !st.ok()) return st;
    t.steps.push_back(std::move(step));
  } else {
    const json steps = config.value("steps", json());
    if (!steps.is_array() || steps.empty())
      return invalid("config.steps must be a non-empty array");
    if (steps.size() > 20) return invalid("config.steps holds at most 20 steps");
    for (size_t i = 0; i < steps.size(); ++i) {
      const std::string at = fmt::format("config.steps[{}]", i);
      const json& s = steps[i];
      if (!s.is_object()) return invalid(at + " must be an object");
      ApiStep step;
      step.name = core::field(s, "name", fmt::format("step {}", i + 1));
      step.request = s.value("request", json());
      if (auto st = check_request(step.request, at + ".request"); !st.ok()) return st;
      step.assertions = s.value("assertions", json::array());
      if (auto st = check_assertions(step.assertions, at + ".assertions"); !st.ok()) return st;
      auto ex = parse_extractions(s.value("extractedValues", json()), at + ".extractedValues");
      if (!ex) return ex.status();
      step.extractions = std::move(*ex);
      step.allow_failure = core::field(s, "allowFailure", false);
      if (const json r = s.value("retry", json()); r.is_object()) {
        step.retry_count = core::field(r, "count", 0);
        step.retry_interval_ms = core::field(r, "interval", 300);
      }
      t.steps.push_back(std::move(step));
    }
  }
  const json options = body.value("options", json::object());
  if (!options.is_object()) return invalid("options must be an object");
  if (auto te = options.find("tick_every"); te != options.end() && !te->is_null()) {
    if (!te->is_number_integer() || te->get<int64_t>() < 30 || te->get<int64_t>() > 604800)
      return invalid("options.tick_every must be seconds from 30 to 604800");
    t.tick_every_s = te->get<int64_t>();
  }
  if (const json r = options.value("retry", json()); !r.is_null()) {
    if (!r.is_object()) return invalid("options.retry must be {count, interval}");
    t.retry_count = core::field(r, "count", 0);
    t.retry_interval_ms = core::field(r, "interval", 300);
    if (t.retry_count < 0 || t.retry_count > 5)
      return invalid("options.retry.count must be 0 to 5");
    if (t.retry_interval_ms < 0 || t.retry_interval_ms > 300000)
      return invalid("options.retry.interval must be milliseconds, 0 to 300000");
  }
  t.min_failure_duration_s = core::field(options, "min_failure_duration", 0);
  t.min_location_failed = core::field(options, "min_location_failed", 1);
  t.follow_redirects = core::field(options, "follow_redirects", true);
  t.accept_self_signed = core::field(options, "accept_self_signed", false) ||
                         core::field(options, "allow_insecure", false);
  if (const json sch = options.value("scheduling", json()); !sch.is_null()) {
    if (!sch.is_object()) return invalid("options.scheduling must be {timeframes, timezone}");
    const std::string tz = core::field(sch, "timezone", "UTC");
    if (tz != "UTC" && tz != "Etc/UTC")
      return invalid(
          "options.scheduling.timezone must be UTC (other time zones are not supported yet)");
    const json frames = sch.value("timeframes", json::array());
    if (!frames.is_array()) return invalid("options.scheduling.timeframes must be an array");
    for (size_t i = 0; i < frames.size(); ++i) {
      const json& f = frames[i];
      Timeframe tf;
      tf.day = core::field(f, "day", 0);
      auto from = minutes(f.value("from", json()));
      auto to = minutes(f.value("to", json()));
      if (tf.day < 1 || tf.day > 7 || !from || !to || *to <= *from)
        return invalid(fmt::format(
            "options.scheduling.timeframes[{}] must be {{day: 1-7, from: \"HH:MM\", to: "
            "\"HH:MM\"}} with to after from",
            i));
      tf.from_minute = *from;
      tf.to_minute = *to;
      t.timeframes.push_back(tf);
    }
  }
  const json locations = body.value("locations", json());
  if (!locations.is_array() || locations.empty())
    return invalid("locations must name at least one location (\"local\" is the server's own)");
  for (const json& l : locations) {
    if (!l.is_string() || l.get<std::string>().empty())
      return invalid("locations must be an array of location names");
    t.locations.push_back(l);
  }
  if (const json tags = body.value("tags", json()); !tags.is_null()) {
    if (!tags.is_array()) return invalid("tags must be an array of strings");
    for (const json& tag : tags) {
      if (!tag.is_string()) return invalid("tags must be an array of strings");
      t.tags.push_back(tag);
    }
  }
  const std::string status = core::field(body, "status", "live");
  if (status != "live" && status != "paused")
    return invalid("status must be \"live\" or \"paused\"");
  t.live = status == "live";
  t.body["status"] = status;
  t.message = core::field(body, "message", "");
  if (!t.body.contains("options")) t.body["options"] = json::object();
  t.body["options"]["tick_every"] = t.tick_every_s;
  return t;
}

bool in_timeframes(const ApiTest& test, int64_t now_s) {
  if (test.timeframes.empty()) return true;
  const int64_t day_index = now_s / 86400;
  const int weekday = static_cast<int>((day_index + 3) % 7) + 1;  // 1970-01-01: Thursday
  const int minute = static_cast<int>((now_s % 86400) / 60);
  for (const Timeframe& f : test.timeframes)
    if (f.day == weekday && minute >= f.from_minute && minute < f.to_minute) return true;
  return false;
}

std::string fill_variables(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    out.append(text.substr(i, open - i));
    auto it = vars.find(std::string(name));
    if (it != vars.end())
      out += it->second;
    else
      out.append(text.substr(open, close + 2 - open));
    i = close + 2;
  }
  out.append(text.substr(i));
  return out;
}

static core::Result<HttpRequestSpec> request_of_fields(
    const ApiStep& step, const ApiTest& test, const std::map<std::string, std::string>& vars) {
  const json& r = step.request;
  HttpRequestSpec spec;
  spec.method = core::field(r, "method", "GET");
  spec.url = fill_variables(core::field(r, "url", ""), vars);
  if (!spec.url.starts_with("http://") && !spec.url.starts_with("https://"))
    return invalid(
        fmt::format("the URL '{}' is not http(s) once its variables are filled", spec.url));
  if (const json h = r.value("headers", json()); h.is_object())
    for (const auto& [k, v] : h.items())
      spec.headers.emplace_back(k, fill_variables(v.get<std::string>(), vars));
  if (const json b = r.value("body", json()); b.is_string())
    spec.body = fill_variables(b.get<std::string>(), vars);
  if (const json a = r.value("basicAuth", json()); a.is_object())
    spec.basic_auth = std::pair{fill_variables(core::field(a, "username", ""), vars),
                                fill_variables(core::field(a, "password", ""), vars)};
  if (const json c = r.value("certificate", json()); c.is_object()) {
    spec.client_cert_pem = c.value("cert", json::object()).value("content", "");
    spec.client_key_pem = c.value("key", json::object()).value("content", "");
  }
  spec.timeout_s = core::field(r, "timeout", 60.0);
  spec.follow_redirects = core::field(r, "follow_redirects", test.follow_redirects);
  spec.ignore_certificate = core::field(r, "allow_insecure", test.accept_self_signed);
  return spec;
}

std::optional<std::string> extract(const Extraction& e, const HttpResult& response) {
  std::string source;
  if (e.from == "http_status_code") {
    source = std::to_string(response.status);
  } else if (e.from == "http_header") {
    const std::string* h = response.header(e.field);
    if (!h) return std::nullopt;
    source = *h;
  } else {
    source = response.body;
  }
  if (e.parser == "raw") return source;
  if (e.parser == "regex") {
    RE2 re(e.pattern, RE2::Quiet);
    std::string group;
    if (!re.ok()) return std::nullopt;
    if (re.NumberOfCapturingGroups() > 0) {
      if (!RE2::PartialMatch(source, re, &group)) return std::nullopt;
      return group;
    }
    re2::StringPiece input(source), match;
    if (!re.Match(input, 0, input.size(), RE2::UNANCHORED, &match, 1)) return std::nullopt;
    return std::string(match);
  }
  json doc = json::parse(source, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  auto found = json_path(doc, e.pattern);
  if (!found || found->empty()) return std::nullopt;
  const json& v = found->front();
  return v.is_string() ? v.get<std::string>() : v.dump();
}

core::Result<ApiTest> parse_api_test(const json& body) {
  try {
    return parse_api_test_fields(body);
  } catch (const core::BadField& e) {
    return invalid(e.message());
  }
}

core::Result<HttpRequestSpec> request_of(const ApiStep& step, const ApiTest& test,
                                         const std::map<std::string, std::string>& vars) {
  try {
    return request_of_fields(step, test, vars);
  } catch (const core::BadField& e) {
    return invalid(e.message());
  }
}

}  // namespace heeler::synthetics
