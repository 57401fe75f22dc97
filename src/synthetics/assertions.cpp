#include "synthetics/assertions.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <charconv>
#include <cmath>

#include "core/json_fields.h"

namespace heeler::synthetics {
namespace {

using nlohmann::json;

const char* kOperators[] = {
    "is",           "isNot",        "contains",        "doesNotContain", "matches",
    "doesNotMatch", "lessThan",     "lessThanOrEqual", "moreThan",       "moreThanOrEqual",
    "isInMoreThan", "isInLessThan", "doesNotExist",    "isUndefined",    "validatesJSONPath"};

bool known_operator(std::string_view op) {
  for (const char* o : kOperators)
    if (op == o) return true;
  return false;
}

std::string as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::optional<double> as_number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && end == s.data() + s.size()) return d;
  }
  return std::nullopt;
}

// Applies an operator to an actual value; nullopt when the operator does not apply.
std::optional<bool> apply(std::string_view op, const json& actual, const json& target,
                          std::string& error) {
  const std::string a = as_text(actual), t = as_text(target);
  if (op == "is" || op == "isNot") {
    bool equal = a == t;
    if (auto an = as_number(actual), tn = as_number(target); an && tn) equal = *an == *tn;
    return op == "is" ? equal : !equal;
  }
  if (op == "contains") return a.find(t) != std::string::npos;
  if (op == "doesNotContain") return a.find(t) == std::string::npos;
  if (op == "matches" || op == "doesNotMatch") {
    RE2 re(t, RE2::Quiet);
    if (!re.ok()) {
      error = fmt::format("'{}' is not a valid regular expression: {}", t, re.error());
      return false;
    }
    const bool found = RE2::PartialMatch(a, re);
    return op == "matches" ? found : !found;
  }
  if (op == "lessThan" || op == "lessThanOrEqual" || op == "moreThan" || op == "moreThanOrEqual") {
    auto an = as_number(actual), tn = as_number(target);
    if (!an || !tn) {
      error = fmt::format("'{}' or '{}' is not a number", a, t);
      return false;
    }
    if (op == "lessThan") return *an < *tn;
    if (op == "lessThanOrEqual") return *an <= *tn;
    if (op == "moreThan") return *an > *tn;
    return *an >= *tn;
  }
  return std::nullopt;
}

std::string describe(const json& assertion) {
  const std::string type = core::field(assertion, "type", "?");
  const std::string op = core::field(assertion, "operator", "?");
  std::string target = as_text(assertion.value("target", json()));
  if (type == "header")
    return fmt::format("header {} {} {}", core::field(assertion, "property", "?"), op, target);
  return fmt::format("{} {} {}", type, op, target);
}

// One step of a JSONPath.
struct PathStep {
  enum class Kind { key, index, all } kind;
  std::string key;
  size_t index = 0;
};

std::optional<std::vector<PathStep>> parse_path(std::string_view p) {
  if (p.empty() || p[0] != '$') return std::nullopt;
  std::vector<PathStep> steps;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      ++i;
      if (i < p.size() && p[i] == '*') {
        steps.push_back({PathStep::Kind::all});
        ++i;
        continue;
      }
      size_t j = i;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      if (j == i) return std::nullopt;
      steps.push_back({PathStep::Kind::key, std::string(p.substr(i, j - i))});
      i = j;
    } else if (p[i] == '[') {
      const size_t close = p.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inner = p.substr(i + 1, close - i - 1);
      if (inner == "*") {
        steps.push_back({PathStep::Kind::all});
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
                 inner.back() == inner.front()) {
        steps.push_back({PathStep::Kind::key, std::string(inner.substr(1, inner.size() - 2))});
      } else {
        size_t n = 0;
        auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), n);
        if (ec != std::errc() || end != inner.data() + inner.size()) return std::nullopt;
        steps.push_back({PathStep::Kind::index, {}, n});
      }
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  return steps;
}

}  // namespace

std::optional<std::vector<json>> json_path(const json& document, std::string_view path) {
  auto steps = parse_path(path);
  if (!steps) return std::nullopt;
  std::vector<const json*> current = {&document};
  for (const PathStep& s : *steps) {
    std::vector<const json*> next;
    for (const json* v : current) {
      if (s.kind == PathStep::Kind::key && v->is_object()) {
        if (auto it = v->find(s.key); it != v->end()) next.push_back(&*it);
      } else if (s.kind == PathStep::Kind::index && v->is_array()) {
        if (s.index < v->size()) next.push_back(&(*v)[s.index]);
      } else if (s.kind == PathStep::Kind::all) {
        if (v->is_array() || v->is_object())
          for (const json& e : *v) next.push_back(&e);
      }
    }
    current = std::move(next);
  }
  std::vector<json> out;
  for (const json* v : current) out.push_back(*v);
  return out;
}

static core::Status check_assertions_fields(const json& assertions, std::string_view where) {
  if (assertions.is_null()) return {};
  if (!assertions.is_array())
    return core::error(core::Code::invalid_argument, "{} must be an array", where);
  for (size_t i = 0; i < assertions.size(); ++i) {
    const json& a = assertions[i];
    const std::string at = fmt::format("{}[{}]", where, i);
    if (!a.is_object())
      return core::error(core::Code::invalid_argument, "{} must be an object", at);
    const std::string type = core::field(a, "type", "");
    const std::string op = core::field(a, "operator", "");
    if (type != "statusCode" && type != "responseTime" && type != "header" && type != "body" &&
        type != "certificate")
      return core::error(core::Code::invalid_argument,
                         "{}.type must be statusCode, responseTime, header, body or certificate",
                         at);
    if (!known_operator(op))
      return core::error(core::Code::invalid_argument, "{}.operator '{}' is not an operator", at,
                         op);
    if (type == "header" && !a.value("property", json()).is_string())
      return core::error(core::Code::invalid_argument, "{}.property must name the header", at);
    if (op == "validatesJSONPath") {
      const json& t = a.value("target", json());
      if (!t.is_object() || !t.value("jsonPath", json()).is_string())
        return core::error(core::Code::invalid_argument,
                           "{}.target must be {{jsonPath, operator, targetValue}}", at);
      if (!parse_path(t["jsonPath"].get<std::string>()))
        return core::error(core::Code::invalid_argument,
                           "{}.target.jsonPath '{}' is not a JSONPath", at,
                           t["jsonPath"].get<std::string>());
      if (!known_operator(core::field(t, "operator", "")))
        return core::error(core::Code::invalid_argument, "{}.target.operator is not an operator",
                           at);
    } else if (op == "matches" || op == "doesNotMatch") {
      RE2 re(as_text(a.value("target", json())), RE2::Quiet);
      if (!re.ok())
        return core::error(core::Code::invalid_argument,
                           "{}.target is not a valid regular expression: {}", at, re.error());
    } else if (op != "doesNotExist" && op != "isUndefined" && !a.contains("target")) {
      return core::error(core::Code::invalid_argument, "{}.target is required", at);
    }
  }
  return {};
}

static std::vector<AssertionResult> evaluate_assertions_fields(const json& assertions,
                                                               const HttpResult& r, int64_t now_s) {
  std::vector<AssertionResult> out;
  if (!assertions.is_array()) return out;
  for (const json& a : assertions) {
    AssertionResult res;
    res.assertion = a;
    const std::string type = core::field(a, "type", "");
    const std::string op = core::field(a, "operator", "");
    const json target = a.value("target", json());
    std::string error;
    std::optional<bool> ok;
    if (type == "statusCode") {
      res.actual = r.status;
      ok = apply(op, res.actual, target, error);
    } else if (type == "responseTime") {
      res.actual = std::round(r.timings.total * 100) / 100;
      ok = apply(op, res.actual, target, error);
    } else if (type == "header") {
      const std::string* h = r.header(core::field(a, "property", ""));
      if (op == "doesNotExist") {
        ok = h == nullptr;
      } else if (!h) {
        ok = false;
        error = fmt::format("the response has no {} header", core::field(a, "property", ""));
      } else {
        res.actual = *h;
        ok = apply(op, res.actual, target, error);
      }
    } else if (type == "certificate") {
      if (!r.cert_not_after_s) {
        ok = false;
        error = "the response came without a TLS certificate";
      } else {
        const double days = static_cast<double>(*r.cert_not_after_s - now_s) / 86400;
        res.actual = static_cast<int64_t>(std::floor(days));
        auto limit = as_number(target);
        if (!limit) {
          ok = false;
          error = "the target must be a number of days";
        } else {
          ok = op == "isInMoreThan"   ? days > *limit
               : op == "isInLessThan" ? days < *limit
                                      : std::optional<bool>();
        }
      }
    } else if (type == "body") {
      if (op == "validatesJSONPath") {
        json doc = json::parse(r.body, nullptr, false);
        const std::string path = core::field(target, "jsonPath", "");
        const std::string inner = core::field(target, "operator", "is");
        const json want = target.value("targetValue", json());
        if (doc.is_discarded()) {
          ok = false;
          error = "the body is not JSON";
        } else if (auto found = json_path(doc, path); !found) {
          ok = false;
          error = fmt::format("'{}' is not a JSONPath", path);
        } else if (found->empty()) {
          ok = inner == "isUndefined";
          if (!*ok) error = fmt::format("nothing at {}", path);
        } else {
          res.actual = found->size() == 1 ? (*found)[0] : json(*found);
          ok = false;
          for (const json& v : *found) {
            auto one = apply(inner, v, want, error);
            if (one && *one) ok = true;
          }
        }
      } else {
        res.actual = r.body.size() > 200 ? r.body.substr(0, 200) + "…" : r.body;
        ok = apply(op, json(r.body), target, error);
      }
    }
    if (!ok) {
      res.valid = false;
      res.error = fmt::format("operator '{}' does not apply to {}", op, type);
    } else {
      res.valid = *ok;
      if (!res.valid)
        res.error = !error.empty()
                        ? error
                        : fmt::format("expected {}, got {}", describe(a), as_text(res.actual));
    }
    out.push_back(std::move(res));
  }
  return out;
}

core::Status check_assertions(const json& assertions, std::string_view where) {
  try {
    return check_assertions_fields(assertions, where);
  } catch (const core::BadField& e) {
    return core::error(core::Code::invalid_argument, "{}: {}", where, e.message());
  }
}

std::vector<AssertionResult> evaluate_assertions(const json& assertions, const HttpResult& r,
                                                 int64_t now_s) {
  try {
    return evaluate_assertions_fields(assertions, r, now_s);
  } catch (const core::BadField& e) {
    AssertionResult failed;
    failed.error = "the assertions cannot be read: " + e.message();
    return {failed};
  }
}

}  // namespace heeler::synthetics
