// Checks JSON documents against the schemas of docs/api/openapi.json: the subset of
// JSON Schema the file uses (type, with "null" and type lists; properties, required,
// additionalProperties, items, minItems, maxItems, enum, minimum, maximum, oneOf, $ref
// to #/components/…). Returns the problems as "path: what", empty when valid.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace heeler::testing {

class OpenApiChecker {
 public:
  explicit OpenApiChecker(nlohmann::json spec) : spec_(std::move(spec)) {}

  std::vector<std::string> check(const nlohmann::json& value, const nlohmann::json& schema,
                                 const std::string& path = "$") const {
    std::vector<std::string> problems;
    validate(value, schema, path, problems, 0);
    return problems;
  }

  const nlohmann::json& resolve(const nlohmann::json& schema) const {
    if (!schema.is_object() || !schema.contains("$ref")) return schema;
    std::string ref = schema["$ref"].get<std::string>();  // "#/components/schemas/X"
    const nlohmann::json* node = &spec_;
    size_t start = 2;
    while (start < ref.size()) {
      size_t slash = ref.find('/', start);
      const std::string part =
          ref.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      node = &(*node)[part];
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return resolve(*node);
  }

  const nlohmann::json& spec() const { return spec_; }

 private:
  static bool is_type(const nlohmann::json& v, const std::string& type) {
    if (type == "null") return v.is_null();
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer();
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "array") return v.is_array();
    if (type == "object") return v.is_object();
    return false;
  }

  void validate(const nlohmann::json& v, const nlohmann::json& schema_in, const std::string& path,
                std::vector<std::string>& out, int depth) const {
    if (depth > 64) return;
    const nlohmann::json& schema = resolve(schema_in);
    if (!schema.is_object() || schema.empty()) return;
    if (auto t = schema.find("type"); t != schema.end()) {
      bool ok = false;
      if (t->is_array()) {
        for (const auto& one : *t) ok = ok || is_type(v, one.get<std::string>());
      } else {
        ok = is_type(v, t->get<std::string>()) || (v.is_null() && schema.value("nullable", false));
      }
      if (!ok) {
        out.push_back(path + ": expected " + t->dump() + ", got " + v.dump().substr(0, 80));
        return;
      }
    }
    if (auto e = schema.find("enum"); e != schema.end()) {
      bool found = false;
      for (const auto& option : *e) found = found || option == v;
      if (!found) out.push_back(path + ": " + v.dump() + " is not one of " + e->dump());
    }
    if (auto one = schema.find("oneOf"); one != schema.end()) {
      int matches = 0;
      for (const auto& s : *one) {
        std::vector<std::string> sub;
        validate(v, s, path, sub, depth + 1);
        matches += sub.empty();
      }
      if (matches != 1) out.push_back(path + ": matches " + std::to_string(matches) + " of oneOf");
    }
    if (v.is_number()) {
      if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
        out.push_back(path + ": below the minimum");
      if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>())
        out.push_back(path + ": above the maximum");
    }
    if (v.is_object()) {
      if (auto r = schema.find("required"); r != schema.end())
        for (const auto& name : *r)
          if (!v.contains(name.get<std::string>()))
            out.push_back(path + ": missing required '" + name.get<std::string>() + "'");
      const nlohmann::json props = schema.value("properties", nlohmann::json::object());
      for (const auto& [k, value] : v.items()) {
        if (props.contains(k))
          validate(value, props[k], path + "." + k, out, depth + 1);
        else if (auto ap = schema.find("additionalProperties"); ap != schema.end()) {
          if (ap->is_boolean() && !ap->get<bool>())
            out.push_back(path + ": unexpected property '" + k + "'");
          else if (ap->is_object())
            validate(value, *ap, path + "." + k, out, depth + 1);
        }
      }
    }
    if (v.is_array()) {
      if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>())
        out.push_back(path + ": fewer items than " + schema["minItems"].dump());
      if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>())
        out.push_back(path + ": more items than " + schema["maxItems"].dump());
      if (auto items = schema.find("items"); items != schema.end())
        for (size_t i = 0; i < v.size(); ++i)
          validate(v[i], *items, path + "[" + std::to_string(i) + "]", out, depth + 1);
    }
  }

  nlohmann::json spec_;
};

}  // namespace heeler::testing
