// The search syntax shared by the log, span, RUM and LLM explorers (Datadog's):
//
//   free text and "quoted phrases"      service:web       @http.status_code:[500 TO 599]
//   @duration:>1s (ns, us, ms, s, m, h)  status:(error OR warn)   -env:dev   NOT host:a
//   wildcards host:web-* and *:value    existence @user.id:*      a AND (b OR c), implicit AND
//   backslash escapes: service:my\ app, @path:\/api\/v1
//
// parse() turns the text into a tree of terms; a syntax error carries the byte offset
// where the input stopped making sense, for the UI to underline.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace heeler::query {

struct SearchTerm {
  enum class Match {
    text,     // free text: a word (may hold wildcards) or a phrase
    equals,   // field:value (value may hold * and ? wildcards: see `wildcard`)
    exists,   // field:*
    compare,  // field:>n, >=, <, <=
    range,    // field:[a TO b] (inclusive) or {a TO b} (exclusive), either end may be *
  };
  enum class Compare { lt, le, gt, ge };

  Match match = Match::text;
  std::string field;       // empty for free text; "*" for *:value
  bool attribute = false;  // written with a leading @ (a facet, not a reserved field)
  std::string value;       // unescaped; for ranges the lower bound
  std::string upper;       // ranges: the upper bound
  bool wildcard = false;   // value holds an unescaped * or ? (escaped ones are literal)
  bool phrase = false;     // value was quoted
  Compare compare = Compare::gt;
  bool lower_inclusive = true, upper_inclusive = true;
  size_t position = 0;  // byte offset of the term in the query
  size_t length = 0;
};

struct SearchNode {
  enum class Kind { term, all, any, negate };  // all = AND, any = OR
  Kind kind = Kind::term;
  SearchTerm term;  // when kind == term
  std::vector<std::unique_ptr<SearchNode>> children;
};

struct SearchError {
  size_t position = 0;
  std::string message;
};

// An empty (or blank) query matches everything: a null tree.
struct ParsedSearch {
  std::unique_ptr<SearchNode> root;
  std::optional<SearchError> error;
  bool ok() const { return !error; }
};

ParsedSearch parse_search(std::string_view text);

// A value with a duration unit ("1.5s", "200ms", "3us", "10m") in nanoseconds, or a
// plain number as written; nullopt when it is neither.
std::optional<double> parse_number_with_unit(std::string_view value);

// The tree printed back in a canonical form (tests, debugging, cache keys).
std::string to_string(const SearchNode* node);

}  // namespace heeler::query
