#include "store/query_text.h"

#include <fmt/format.h>

namespace heeler::store::sql {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Strips one wrapper such as Nullable( … ) and returns the inside, or `type` itself.
std::string_view unwrap(std::string_view type, std::string_view wrapper) {
  if (type.size() > wrapper.size() + 1 && type.starts_with(wrapper) &&
      type[wrapper.size()] == '(' && type.back() == ')')
    return trim(type.substr(wrapper.size() + 1, type.size() - wrapper.size() - 2));
  return type;
}

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string escape_param_value(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 16 + 8);
  for (char c : raw) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::map<std::string, std::string, std::less<>> parameter_types(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  for (size_t i = 0; i < query.size(); ++i) {
    if (query[i] != '{') continue;
    size_t j = i + 1;
    while (j < query.size() && is_space(query[j])) ++j;
    size_t name_start = j;
    while (j < query.size() && word_char(query[j])) ++j;
    if (!is_identifier(query.substr(name_start, j - name_start))) continue;
    std::string_view name = query.substr(name_start, j - name_start);
    while (j < query.size() && is_space(query[j])) ++j;
    if (j >= query.size() || query[j] != ':') continue;
    size_t type_start = ++j;
    int depth = 0;
    char quote = 0;
    for (; j < query.size(); ++j) {
      char c = query[j];
      if (quote) {
        if (c == '\\')
          ++j;
        else if (c == quote)
          quote = 0;
      } else if (c == '\'' || c == '`' || c == '"') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      } else if (c == '}' && depth <= 0) {
        break;
      }
    }
    if (j >= query.size()) break;
    out.emplace(std::string(name), std::string(trim(query.substr(type_start, j - type_start))));
    i = j;
  }
  return out;
}

bool is_composite_type(std::string_view type) {
  type = trim(type);
  for (;;) {
    auto inner = unwrap(unwrap(type, "Nullable"), "LowCardinality");
    if (inner == type) break;
    type = inner;
  }
  for (std::string_view prefix : {"Array", "Map", "Tuple", "Nested"}) {
    if (type.starts_with(prefix)) {
      auto rest = trim(type.substr(prefix.size()));
      if (!rest.empty() && rest.front() == '(') return true;
    }
  }
  return false;
}

std::string encode_param(std::string_view type, std::string_view raw) {
  if (is_composite_type(type)) return std::string(raw);
  return escape_param_value(raw);
}

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  char first = name.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_'))
    return false;
  for (char c : name)
    if (!word_char(c)) return false;
  return true;
}

bool is_valid_dedup_token(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token)
    if (!word_char(c) && c != '.' && c != ':' && c != '-') return false;
  return true;
}

std::string arrow_insert_statement(std::string_view table, const std::vector<std::string>& columns,
                                   std::string_view source, std::string_view dedup_token) {
  std::string out = fmt::format("INSERT INTO `{}` (", table);
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ", ";
    fmt::format_to(std::back_inserter(out), "`{}`", columns[i]);
  }
  fmt::format_to(std::back_inserter(out), ") SELECT * FROM arrowstream('{}')", source);
  // Deduplication is explicit both ways, whatever the engine version's default for
  // INSERT … SELECT: a batch without a token is always stored.
  if (dedup_token.empty())
    out += " SETTINGS insert_deduplicate = 0";
  else
    fmt::format_to(std::back_inserter(out),
                   " SETTINGS insert_deduplicate = 1, insert_deduplication_token = '{}'",
                   dedup_token);
  return out;
}

const std::vector<std::string>& system_log_tables() {
  static const std::vector<std::string> tables = {
      "query_log",
      "part_log",
      "trace_log",
      "metric_log",
      "asynchronous_metric_log",
      "text_log",
      "query_views_log",
      "processors_profile_log",
      "error_log",
      "opentelemetry_span_log",
      "session_log",
      "latency_log",
      "query_metric_log",
      "zookeeper_log",
      "blob_storage_log",
      "backup_log",
      "s3queue_log",
      "asynchronous_insert_log",
      "crash_log",
  };
  return tables;
}

std::string engine_config_xml(int system_log_ttl_days) {
  std::string out =
      "<?xml version=\"1.0\"?>\n"
      "<!-- Written by Heeler at every start; edits are overwritten. -->\n"
      "<clickhouse>\n";
  for (const auto& table : system_log_tables()) {
    fmt::format_to(std::back_inserter(out),
                   "  <{0}>\n"
                   "    <database>system</database>\n"
                   "    <table>{0}</table>\n"
                   "    <ttl>event_date + INTERVAL {1} DAY DELETE</ttl>\n"
                   "  </{0}>\n",
                   table, system_log_ttl_days);
  }
  out += "</clickhouse>\n";
  return out;
}

std::string system_log_ttl_statement(std::string_view table, int days) {
  return fmt::format("ALTER TABLE system.`{}` MODIFY TTL event_date + INTERVAL {} DAY", table,
                     days);
}

std::string trim_message(std::string_view message) {
  return std::string(trim(message));
}

}  // namespace heeler::store::sql
