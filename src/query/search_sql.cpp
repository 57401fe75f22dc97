#include "query/search_sql.h"

#include <fmt/format.h>

#include "pipeline/log_processing.h"
#include "pipeline/signals.h"

namespace heeler::query {
namespace {

using Type = ColumnField::Type;

// LIKE pattern for a value with * and ? wildcards (escaped \* and \? are literal).
std::string like_pattern(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size() && (value[i + 1] == '*' || value[i + 1] == '?')) {
      out += value[++i];
      continue;
    }
    if (c == '*')
      out += '%';
    else if (c == '?')
      out += '_';
    else if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// The value without wildcard escapes (for exact comparisons).
std::string literal(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '*' || value[i + 1] == '?'))
      continue;
    out += value[i];
  }
  return out;
}

class Compiler {
 public:
  Compiler(const SearchTarget& target, std::string_view prefix)
      : target_(target), prefix_(prefix) {}

  core::Result<std::string> node(const SearchNode* n) {
    switch (n->kind) {
      case SearchNode::Kind::negate: {
        auto inner = node(n->children.front().get());
        if (!inner.ok()) return inner.status();
        return fmt::format("NOT ({})", *inner);
      }
      case SearchNode::Kind::all:
      case SearchNode::Kind::any: {
        std::string out = "(";
        for (size_t i = 0; i < n->children.size(); ++i) {
          auto part = node(n->children[i].get());
          if (!part.ok()) return part.status();
          if (i) out += n->kind == SearchNode::Kind::all ? " AND " : " OR ";
          out += *part;
        }
        return out + ")";
      }
      case SearchNode::Kind::term:
        return term(n->term);
    }
    return core::error(core::Code::internal, "unknown search node");
  }

  store::Params take_params() { return std::move(params_); }

 private:
  std::string param(std::string_view type, std::string value) {
    std::string name = fmt::format("{}{}", prefix_, next_++);
    params_.add(name, std::move(value));
    return fmt::format("{{{}:{}}}", name, type);
  }
  std::string number_param(double value) {
    std::string name = fmt::format("{}{}", prefix_, next_++);
    params_.add(name, value);
    return fmt::format("{{{}:Float64}}", name);
  }

  const ColumnField* find(const std::vector<ColumnField>& fields, std::string_view name) const {
    for (const ColumnField& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }

  core::Status bad(const SearchTerm& t, std::string message) const {
    return core::Status(core::Code::invalid_argument,
                        fmt::format("at {}: {}", t.position, std::move(message)));
  }

  core::Result<std::string> term(const SearchTerm& t) {
    if (t.match == SearchTerm::Match::text) return text(t);
    if (t.field == "*") return any_attribute(t);
    const ColumnField* column =
        t.attribute ? find(target_.attributes, t.field) : find(target_.columns, t.field);
    if (column) return on_column(t, *column);
    return on_attribute(t);
  }

  core::Result<std::string> text(const SearchTerm& t) {
    if (target_.text_columns.empty()) return bad(t, "free text is not searchable here");
    std::vector<std::string> parts;
    for (size_t i = 0; i < target_.text_columns.size(); ++i) {
      const std::string_view col = target_.text_columns[i];
      if (t.wildcard) {
        parts.push_back(
            fmt::format("{} ILIKE {}", col, param("String", "%" + like_pattern(t.value) + "%")));
      } else if (i == 0 && target_.text_index) {
        const std::string p = param("String", literal(t.value));
        // The index answers which rows hold every token; a phrase is then checked whole.
        parts.push_back(t.phrase ? fmt::format("(hasAllTokens({0}, {1}) AND "
                                               "positionCaseInsensitiveUTF8({0}, {1}) > 0)",
                                               col, p)
                                 : fmt::format("hasAllTokens({}, {})", col, p));
      } else {
        parts.push_back(fmt::format("positionCaseInsensitiveUTF8({}, {}) > 0", col,
                                    param("String", literal(t.value))));
      }
    }
    if (parts.size() == 1) return parts.front();
    return "(" + fmt::to_string(fmt::join(parts, " OR ")) + ")";
  }

  core::Result<std::string> any_attribute(const SearchTerm& t) {
    if (t.match != SearchTerm::Match::equals) return bad(t, "*: only takes a value, as in *:value");
    const std::string values = fmt::format("mapValues({})", target_.attribute_map);
    if (t.wildcard)
      return fmt::format("arrayExists(v -> v LIKE {}, {})", param("String", like_pattern(t.value)),
                         values);
    return fmt::format("has({}, {})", values, param("String", literal(t.value)));
  }

  core::Result<std::string> compare_sql(const SearchTerm& t, const std::string& expr) {
    static constexpr std::string_view ops[] = {"<", "<=", ">", ">="};
    if (t.match == SearchTerm::Match::compare) {
      auto n = parse_number_with_unit(t.value);
      if (!n) return bad(t, fmt::format("'{}' is not a number", t.value));
      return fmt::format("{} {} {}", expr, ops[static_cast<int>(t.compare)], number_param(*n));
    }
    // range
    std::vector<std::string> parts;
    if (t.value != "*") {
      auto lo = parse_number_with_unit(t.value);
      if (!lo) return bad(t, fmt::format("'{}' is not a number", t.value));
      parts.push_back(
          fmt::format("{} {} {}", expr, t.lower_inclusive ? ">=" : ">", number_param(*lo)));
    }
    if (t.upper != "*") {
      auto hi = parse_number_with_unit(t.upper);
      if (!hi) return bad(t, fmt::format("'{}' is not a number", t.upper));
      parts.push_back(
          fmt::format("{} {} {}", expr, t.upper_inclusive ? "<=" : "<", number_param(*hi)));
    }
    if (parts.empty()) return fmt::format("isNotNull({})", expr);
    return "(" + fmt::to_string(fmt::join(parts, " AND ")) + ")";
  }

  core::Result<std::string> on_column(const SearchTerm& t, const ColumnField& c) {
    switch (t.match) {
      case SearchTerm::Match::exists:
        return c.type == Type::number ? std::string("1") : fmt::format("{} != ''", c.column);
      case SearchTerm::Match::compare:
      case SearchTerm::Match::range:
        if (c.type != Type::number)
          return compare_sql(t, fmt::format("toFloat64OrNull({})", c.column));
        return compare_sql(t, std::string(c.column));
      case SearchTerm::Match::equals:
      case SearchTerm::Match::text:
        break;
    }
    if (c.type == Type::trace_id || c.type == Type::span_id) {
      if (t.wildcard) return bad(t, fmt::format("{} does not take wildcards", t.field));
      bool ok = false;
      std::string bytes;
      std::string_view column = c.column;
      std::string low_half;
      if (c.type == Type::trace_id) {
        pipeline::TraceId id{};
        ok = pipeline::parse_log_trace_id(t.value, id);
        bytes.assign(id.begin(), id.end());
        // A 64-bit id (16 hex digits, or decimal as Datadog tracers log it) names the
        // low half of a 128-bit trace id.
        if (ok && t.value.size() != 32) {
          low_half = fmt::format("substring({}, 9, 8)", c.column);
          column = low_half;
          bytes.erase(0, 8);
        }
      } else {
        pipeline::SpanId id{};
        ok = pipeline::parse_log_span_id(t.value, id);
        bytes.assign(id.begin(), id.end());
      }
      if (!ok) return bad(t, fmt::format("'{}' is not a {}", t.value, t.field));
      std::string hex;
      for (char b : bytes) hex += fmt::format("{:02x}", static_cast<unsigned char>(b));
      return fmt::format("{} = unhex({})", column, param("String", hex));
    }
    if (c.type == Type::number) {
      if (t.wildcard) return bad(t, fmt::format("{} is a number: wildcards do not apply", t.field));
      auto n = parse_number_with_unit(t.value);
      if (!n) return bad(t, fmt::format("'{}' is not a number", t.value));
      return fmt::format("{} = {}", c.column, number_param(*n));
    }
    std::string value = literal(t.value);
    if (c.type == Type::status && !t.wildcard) {
      const std::string_view normal = pipeline::datadog_status(value);
      if (!normal.empty()) value = std::string(normal);
    }
    if (t.wildcard)
      return fmt::format("{} LIKE {}", c.column, param("String", like_pattern(t.value)));
    return fmt::format("{} = {}", c.column, param("String", value));
  }

  core::Result<std::string> on_attribute(const SearchTerm& t) {
    const std::string key = param("String", t.field);
    const std::string text_value = fmt::format("{}[{}]", target_.attribute_map, key);
    switch (t.match) {
      case SearchTerm::Match::exists:
        if (!target_.numeric_map.empty())
          return fmt::format("(mapContains({}, {}) OR mapContains({}, {}))", target_.attribute_map,
                             key, target_.numeric_map, key);
        return fmt::format("mapContains({}, {})", target_.attribute_map, key);
      case SearchTerm::Match::compare:
      case SearchTerm::Match::range: {
        std::string number = fmt::format("toFloat64OrNull({})", text_value);
        if (!target_.numeric_map.empty())
          number = fmt::format("if(mapContains({0}, {1}), {0}[{1}], {2})", target_.numeric_map, key,
                               number);
        return compare_sql(t, number);
      }
      case SearchTerm::Match::equals:
      case SearchTerm::Match::text:
        break;
    }
    if (t.wildcard)
      return fmt::format("{} LIKE {}", text_value, param("String", like_pattern(t.value)));
    const std::string value = literal(t.value);
    std::string sql = fmt::format("{} = {}", text_value, param("String", value));
    // A number typed as a value also matches the numeric map (spans keep numbers there).
    if (!target_.numeric_map.empty()) {
      if (auto n = parse_number_with_unit(value);
          n && value.find_first_not_of("-+.0123456789eE") == std::string::npos)
        sql = fmt::format("({} OR {}[{}] = {})", sql, target_.numeric_map, key, number_param(*n));
    }
    return sql;
  }

  const SearchTarget& target_;
  std::string prefix_;
  int next_ = 0;
  store::Params params_;
};

}  // namespace

const SearchTarget& logs_search_target() {
  static const SearchTarget target{"logs",
                                   {{"service", "service"},
                                    {"env", "env"},
                                    {"version", "version"},
                                    {"host", "host"},
                                    {"status", "status", Type::status},
                                    {"source", "source"},
                                    {"message", "message"},
                                    {"trace_id", "trace_id", Type::trace_id},
                                    {"span_id", "span_id", Type::span_id}},
                                   {},
                                   {"message"},
                                   true,
                                   "attributes",
                                   ""};
  return target;
}

const SearchTarget& events_search_target() {
  static const SearchTarget target{"events",
                                   {{"source", "source"},
                                    {"sources", "source"},
                                    {"status", "alert_type"},
                                    {"alert_type", "alert_type"},
                                    {"priority", "priority"},
                                    {"host", "host"},
                                    {"service", "service"},
                                    {"env", "env"},
                                    {"title", "title"},
                                    {"aggregation_key", "aggregation_key"}},
                                   {},
                                   {"title", "text"},
                                   false,
                                   "tags",
                                   ""};
  return target;
}

const SearchTarget& rum_search_target() {
  static const SearchTarget target{
      "rum_events FINAL",
      {{"service", "service"}, {"env", "env"}, {"version", "version"}, {"type", "type"}},
      {{"type", "type"},
       {"session.id", "session_id"},
       {"view.id", "view_id"},
       {"view.name", "view_name"},
       {"view.url", "view_url"},
       {"application.id", "application_id"}},
      {"view_name", "view_url", "attributes['error.message']", "attributes['action.target.name']"},
      false,
      "attributes",
      "numeric"};
  return target;
}

const SearchTarget& spans_search_target() {
  static const SearchTarget target{
      "spans",
      {{"service", "service"},
       {"env", "env"},
       {"version", "version"},
       {"host", "host"},
       {"operation_name", "name"},
       {"resource_name", "resource"},
       {"resource", "resource"},
       {"span.kind", "kind"},
       {"kind", "kind"},
       {"type", "type"},
       {"trace_id", "trace_id", Type::trace_id},
       {"span_id", "span_id", Type::span_id},
       {"parent_id", "parent_span_id", Type::span_id},
       {"status", "if(error = 1, 'error', 'ok')"}},
      {{"duration", "duration_ns", Type::number}, {"error", "error", Type::number}},
      {"resource", "name"},
      false,
      "attributes",
      "metrics"};
  return target;
}

core::Result<SqlCondition> compile_search(const SearchNode* root, const SearchTarget& target,
                                          std::string_view prefix) {
  SqlCondition out;
  if (!root) return out;
  Compiler compiler(target, prefix);
  auto sql = compiler.node(root);
  if (!sql.ok()) return sql.status();
  out.sql = std::move(*sql);
  out.params = compiler.take_params();
  return out;
}

core::Result<SqlCondition> search_condition(std::string_view query, const SearchTarget& target,
                                            std::string_view prefix) {
  ParsedSearch parsed = parse_search(query);
  if (!parsed.ok())
    return core::error(core::Code::invalid_argument, "at {}: {}", parsed.error->position,
                       parsed.error->message);
  return compile_search(parsed.root.get(), target, prefix);
}

}  // namespace heeler::query
