// Private: the small pieces of SQL text the embedded engine writes or reads itself —
// query-parameter encoding, identifier and token checks, and the statements and
// configuration it generates. Pure functions, unit-tested without the engine.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace heeler::store::sql {

// ClickHouse reads a query parameter's value in its "escaped" text format, where a
// backslash starts an escape sequence. Escapes \ as \\, newline as \n, tab as \t,
// CR as \r and NUL as \0 so the raw bytes arrive unchanged.
std::string escape_param_value(std::string_view raw);

// The {name:Type} parameters named in a query: name → type text as written (first wins).
std::map<std::string, std::string, std::less<>> parameter_types(std::string_view query);

// Array(...), Map(...), Tuple(...) and Nested(...) — possibly inside Nullable or
// LowCardinality — whose parameter values are ClickHouse literals (['a', 'b']) that
// the engine reads with their own quoting, so they are passed as they are.
bool is_composite_type(std::string_view type);

// The text handed to the engine for a parameter used as `type` (empty when unknown).
std::string encode_param(std::string_view type, std::string_view raw);

// ^[A-Za-z_][A-Za-z0-9_]*$ — table, column and parameter names.
bool is_identifier(std::string_view name);

// ^[A-Za-z0-9_.:-]{1,128}$ — deduplication tokens, inlined into SETTINGS (which do not
// take query parameters).
bool is_valid_dedup_token(std::string_view token);

// INSERT INTO `table` (`a`, `b`) SELECT * FROM arrowstream('source') SETTINGS …, with
// deduplication off without a token and keyed by the token with one.
// Names must already have passed is_identifier, the token is_valid_dedup_token.
std::string arrow_insert_statement(std::string_view table, const std::vector<std::string>& columns,
                                   std::string_view source, std::string_view dedup_token);

// The engine's own log tables that get a TTL.
const std::vector<std::string>& system_log_tables();

// The ClickHouse XML configuration the embedded engine starts with: every system log
// section with `event_date + INTERVAL <days> DAY DELETE` as its TTL. (The engine's time
// zone is the process's — TZ or /etc/localtime; libchdb 26.5 ignores <timezone>.)
std::string engine_config_xml(int system_log_ttl_days);

// ALTER TABLE system.`table` MODIFY TTL event_date + INTERVAL <days> DAY
std::string system_log_ttl_statement(std::string_view table, int days);

// Trims whitespace around an engine message.
std::string trim_message(std::string_view message);

}  // namespace heeler::store::sql
