#include "query/search.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <utility>

namespace heeler::query {
namespace {

constexpr size_t kMaxDepth = 64;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Characters that end a bare word (unless escaped).
bool ends_word(char c) {
  return is_space(c) || c == '(' || c == ')' || c == '"';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParsedSearch run() {
    ParsedSearch out;
    skip_space();
    if (at_end()) return out;
    auto root = parse_or(0);
    if (!error_ && !at_end()) {
      if (peek() == ')')
        fail(pos_, "unbalanced ')': no '(' opens it");
      else
        fail(pos_, "unexpected text");
    }
    if (error_) {
      out.error = std::move(error_);
      return out;
    }
    out.root = std::move(root);
    return out;
  }

 private:
  using Node = std::unique_ptr<SearchNode>;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }
  void fail(size_t position, std::string message) {
    if (!error_) error_ = SearchError{position, std::move(message)};
  }

  // An operator keyword (AND, OR, NOT) standing alone at the cursor.
  bool keyword(std::string_view word) const {
    if (text_.substr(pos_, word.size()) != word) return false;
    const size_t after = pos_ + word.size();
    return after >= text_.size() || is_space(text_[after]) || text_[after] == '(' ||
           text_[after] == ')' || text_[after] == '"';
  }

  static Node combine(SearchNode::Kind kind, std::vector<Node> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    auto node = std::make_unique<SearchNode>();
    node->kind = kind;
    node->children = std::move(parts);
    return node;
  }

  // or := and (OR and)*
  Node parse_or(size_t depth) {
    std::vector<Node> parts;
    parts.push_back(parse_and(depth));
    while (!error_) {
      skip_space();
      if (!keyword("OR")) break;
      const size_t at = pos_;
      pos_ += 2;
      skip_space();
      if (at_end() || peek() == ')') {
        fail(at, "OR needs a term after it");
        break;
      }
      parts.push_back(parse_and(depth));
    }
    return combine(SearchNode::Kind::any, std::move(parts));
  }

  // and := unary ([AND] unary)*
  Node parse_and(size_t depth) {
    std::vector<Node> parts;
    parts.push_back(parse_unary(depth));
    while (!error_) {
      skip_space();
      if (at_end() || peek() == ')' || keyword("OR")) break;
      if (keyword("AND")) {
        const size_t at = pos_;
        pos_ += 3;
        skip_space();
        if (at_end() || peek() == ')' || keyword("OR")) {
          fail(at, "AND needs a term after it");
          break;
        }
      }
      parts.push_back(parse_unary(depth));
    }
    return combine(SearchNode::Kind::all, std::move(parts));
  }

  Node parse_unary(size_t depth) {
    skip_space();
    if (depth > kMaxDepth) {
      fail(pos_, "query nested too deeply");
      return nullptr;
    }
    const size_t at = pos_;
    bool negate = false;
    if (keyword("NOT")) {
      pos_ += 3;
      skip_space();
      negate = true;
    } else if (peek() == '-' && pos_ + 1 < text_.size() && !is_space(peek(1)) && peek(1) != ')') {
      ++pos_;
      negate = true;
    }
    if (negate) {
      if (at_end() || peek() == ')') {
        fail(at, "NOT needs a term after it");
        return nullptr;
      }
      auto inner = parse_unary(depth + 1);
      auto node = std::make_unique<SearchNode>();
      node->kind = SearchNode::Kind::negate;
      node->children.push_back(std::move(inner));
      return node;
    }
    return parse_primary(depth);
  }

  Node parse_primary(size_t depth) {
    skip_space();
    if (at_end()) {
      fail(pos_, "a term is missing at the end of the query");
      return nullptr;
    }
    if (keyword("AND") || keyword("OR")) {
      fail(pos_, fmt::format("{} needs a term before it", keyword("AND") ? "AND" : "OR"));
      return nullptr;
    }
    if (peek() == '(') {
      const size_t open = pos_;
      ++pos_;
      skip_space();
      if (peek() == ')') {
        fail(open, "empty parentheses");
        return nullptr;
      }
      auto inner = parse_or(depth + 1);
      skip_space();
      if (peek() != ')') {
        fail(open, "'(' is never closed");
        return nullptr;
      }
      ++pos_;
      return inner;
    }
    if (peek() == ')') {
      fail(pos_, "unbalanced ')': no '(' opens it");
      return nullptr;
    }
    return parse_term(depth);
  }

  // A quoted phrase at the cursor (which is on the opening quote).
  bool read_phrase(std::string& out) {
    const size_t open = pos_;
    ++pos_;
    while (!at_end()) {
      char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size()) {
        out += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        ++pos_;
        return true;
      }
      out += c;
      ++pos_;
    }
    fail(open, "a quote is never closed");
    return false;
  }

  // A bare word: escapes undone; `stop_at_colon` ends it at the first unescaped ':'.
  // Records whether an unescaped * or ? occurs.
  std::string read_word(bool stop_at_colon, bool& wildcard, bool& saw_colon) {
    std::string out;
    wildcard = false;
    saw_colon = false;
    while (!at_end()) {
      char c = text_[pos_];
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) {
          fail(pos_, "a backslash at the end escapes nothing");
          return out;
        }
        const char next = text_[pos_ + 1];
        // Keep escaped wildcards distinguishable from real ones.
        if (next == '*' || next == '?') out += '\\';
        out += next;
        pos_ += 2;
        continue;
      }
      if (ends_word(c)) break;
      if (c == ':' && stop_at_colon) {
        saw_colon = true;
        break;
      }
      if (c == '*' || c == '?') wildcard = true;
      out += c;
      ++pos_;
    }
    return out;
  }

  static std::string unescape_wildcards(const std::string& value) {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '*' || value[i + 1] == '?'))
        continue;
      out += value[i];
    }
    return out;
  }

  Node make_term(SearchTerm term) {
    auto node = std::make_unique<SearchNode>();
    node->kind = SearchNode::Kind::term;
    term.length = pos_ - term.position;
    node->term = std::move(term);
    return node;
  }

  Node parse_term(size_t depth) {
    SearchTerm term;
    term.position = pos_;
    if (peek() == '"') {
      if (!read_phrase(term.value)) return nullptr;
      term.phrase = true;
      return make_term(std::move(term));
    }
    bool wildcard = false, colon = false;
    std::string word = read_word(true, wildcard, colon);
    if (error_) return nullptr;
    if (!colon) {
      if (word.empty()) {
        fail(pos_, "a term is missing");
        return nullptr;
      }
      term.wildcard = wildcard;
      term.value = wildcard ? word : unescape_wildcards(word);
      return make_term(std::move(term));
    }
    // field:value
    const size_t colon_at = pos_;
    ++pos_;  // ':'
    if (word.empty()) {
      fail(colon_at, "a field name is missing before ':'");
      return nullptr;
    }
    if (word.front() == '@') {
      term.attribute = true;
      word.erase(0, 1);
      if (word.empty()) {
        fail(term.position, "an attribute name is missing after '@'");
        return nullptr;
      }
    }
    term.field = unescape_wildcards(word);
    if (wildcard && term.field != "*") {
      fail(term.position, "wildcards are not allowed in field names (only *:value)");
      return nullptr;
    }
    return parse_value(std::move(term), depth);
  }

  Node parse_value(SearchTerm term, size_t depth) {
    if (at_end() || is_space(peek()) || peek() == ')') {
      fail(pos_, fmt::format("a value is missing after '{}:'", term.field));
      return nullptr;
    }
    const char c = peek();
    if (c == '(') return parse_value_group(std::move(term), depth);
    if (c == '[' || c == '{') return parse_range(std::move(term));
    if (c == '>' || c == '<') {
      term.match = SearchTerm::Match::compare;
      const bool greater = c == '>';
      ++pos_;
      const bool equal = peek() == '=';
      if (equal) ++pos_;
      term.compare = greater ? (equal ? SearchTerm::Compare::ge : SearchTerm::Compare::gt)
                             : (equal ? SearchTerm::Compare::le : SearchTerm::Compare::lt);
      const size_t value_at = pos_;
      bool wildcard = false, colon = false;
      term.value = read_word(false, wildcard, colon);
      if (error_) return nullptr;
      if (term.value.empty() || !parse_number_with_unit(term.value)) {
        fail(value_at, fmt::format("'{}' needs a number after the comparison", term.field));
        return nullptr;
      }
      return make_term(std::move(term));
    }
    if (c == '"') {
      term.match = SearchTerm::Match::equals;
      if (!read_phrase(term.value)) return nullptr;
      term.phrase = true;
      return make_term(std::move(term));
    }
    bool wildcard = false, colon = false;
    std::string value = read_word(false, wildcard, colon);
    if (error_) return nullptr;
    if (value == "*") {
      if (term.field == "*") {
        fail(term.position, "*:* matches everything; leave it out");
        return nullptr;
      }
      term.match = SearchTerm::Match::exists;
      return make_term(std::move(term));
    }
    term.match = SearchTerm::Match::equals;
    term.wildcard = wildcard;
    term.value = wildcard ? value : unescape_wildcards(value);
    return make_term(std::move(term));
  }

  // field:(a OR b AND NOT c): the same boolean grammar over values of one field.
  Node parse_value_group(SearchTerm field_term, size_t depth) {
    if (depth > kMaxDepth) {
      fail(pos_, "query nested too deeply");
      return nullptr;
    }
    const size_t open = pos_;
    ++pos_;
    skip_space();
    if (peek() == ')') {
      fail(open, "empty parentheses");
      return nullptr;
    }
    auto group = parse_value_or(field_term, depth + 1);
    skip_space();
    if (!error_ && peek() != ')') fail(open, "'(' is never closed");
    if (error_) return nullptr;
    ++pos_;
    return group;
  }

  Node parse_value_or(const SearchTerm& field_term, size_t depth) {
    std::vector<Node> parts;
    parts.push_back(parse_value_and(field_term, depth));
    while (!error_) {
      skip_space();
      if (!keyword("OR")) break;
      pos_ += 2;
      skip_space();
      parts.push_back(parse_value_and(field_term, depth));
    }
    return combine(SearchNode::Kind::any, std::move(parts));
  }

  Node parse_value_and(const SearchTerm& field_term, size_t depth) {
    std::vector<Node> parts;
    parts.push_back(parse_value_unary(field_term, depth));
    while (!error_) {
      skip_space();
      if (at_end() || peek() == ')' || keyword("OR")) break;
      if (keyword("AND")) {
        pos_ += 3;
        skip_space();
      }
      parts.push_back(parse_value_unary(field_term, depth));
    }
    return combine(SearchNode::Kind::all, std::move(parts));
  }

  Node parse_value_unary(const SearchTerm& field_term, size_t depth) {
    skip_space();
    if (depth > kMaxDepth) {
      fail(pos_, "query nested too deeply");
      return nullptr;
    }
    bool negate = false;
    if (keyword("NOT")) {
      pos_ += 3;
      skip_space();
      negate = true;
    } else if (peek() == '-' && pos_ + 1 < text_.size() && !is_space(peek(1))) {
      ++pos_;
      negate = true;
    }
    Node inner;
    if (peek() == '(') {
      inner = parse_value_group(field_term, depth + 1);
    } else {
      SearchTerm term;
      term.field = field_term.field;
      term.attribute = field_term.attribute;
      term.position = pos_;
      inner = parse_value(std::move(term), depth);
    }
    if (!negate || error_) return inner;
    auto node = std::make_unique<SearchNode>();
    node->kind = SearchNode::Kind::negate;
    node->children.push_back(std::move(inner));
    return node;
  }

  // [a TO b] inclusive, {a TO b} exclusive; either bound may be *.
  Node parse_range(SearchTerm term) {
    const size_t open = pos_;
    const char close = peek() == '[' ? ']' : '}';
    term.lower_inclusive = term.upper_inclusive = close == ']';
    term.match = SearchTerm::Match::range;
    ++pos_;
    skip_space();
    auto bound = [&](std::string& out) {
      const size_t at = pos_;
      while (!at_end() && !is_space(peek()) && peek() != close) out += text_[pos_++];
      if (out.empty()) {
        fail(at, "a range bound is missing");
        return false;
      }
      if (out != "*" && !parse_number_with_unit(out)) {
        fail(at, fmt::format("range bound '{}' is not a number", out));
        return false;
      }
      return true;
    };
    if (!bound(term.value)) return nullptr;
    skip_space();
    if (text_.substr(pos_, 2) != "TO") {
      fail(pos_, "a range needs TO between its bounds, as in [400 TO 499]");
      return nullptr;
    }
    pos_ += 2;
    skip_space();
    if (!bound(term.upper)) return nullptr;
    skip_space();
    if (peek() != close) {
      fail(open, fmt::format("the range is never closed with '{}'", close));
      return nullptr;
    }
    ++pos_;
    return make_term(std::move(term));
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::optional<SearchError> error_;
};

void print(const SearchNode* node, std::string& out) {
  if (!node) {
    out += "*";
    return;
  }
  switch (node->kind) {
    case SearchNode::Kind::negate:
      out += "NOT ";
      print(node->children.front().get(), out);
      return;
    case SearchNode::Kind::all:
    case SearchNode::Kind::any: {
      out += "(";
      for (size_t i = 0; i < node->children.size(); ++i) {
        if (i) out += node->kind == SearchNode::Kind::all ? " AND " : " OR ";
        print(node->children[i].get(), out);
      }
      out += ")";
      return;
    }
    case SearchNode::Kind::term:
      break;
  }
  const SearchTerm& t = node->term;
  const std::string field = (t.attribute ? "@" : "") + t.field;
  switch (t.match) {
    case SearchTerm::Match::text:
      out += t.phrase ? fmt::format("text\"{}\"", t.value)
                      : fmt::format("text{}{}", t.wildcard ? "~" : ":", t.value);
      return;
    case SearchTerm::Match::equals:
      out += fmt::format("{}{}\"{}\"", field, t.wildcard ? "~" : "=", t.value);
      return;
    case SearchTerm::Match::exists:
      out += fmt::format("{} exists", field);
      return;
    case SearchTerm::Match::compare: {
      static constexpr std::string_view ops[] = {"<", "<=", ">", ">="};
      out += fmt::format("{}{}{}", field, ops[static_cast<int>(t.compare)], t.value);
      return;
    }
    case SearchTerm::Match::range:
      out += fmt::format("{} in {}{},{}{}", field, t.lower_inclusive ? "[" : "(", t.value, t.upper,
                         t.upper_inclusive ? "]" : ")");
      return;
  }
}

}  // namespace

ParsedSearch parse_search(std::string_view text) {
  return Parser(text).run();
}

std::optional<double> parse_number_with_unit(std::string_view value) {
  if (value.empty()) return std::nullopt;
  double number = 0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || !std::isfinite(number)) return std::nullopt;
  const std::string_view unit(ptr, static_cast<size_t>(end - ptr));
  if (unit.empty()) return number;
  struct Unit {
    std::string_view name;
    double ns;
  };
  static constexpr Unit units[] = {{"ns", 1},     {"us", 1e3},   {"µs", 1e3},
                                   {"ms", 1e6},   {"s", 1e9},    {"m", 60e9},
                                   {"min", 60e9}, {"h", 3600e9}, {"d", 86400e9}};
  for (const Unit& u : units)
    if (unit == u.name) return number * u.ns;
  return std::nullopt;
}

std::string to_string(const SearchNode* node) {
  std::string out;
  print(node, out);
  return out;
}

}  // namespace heeler::query
