#include "query/metric_query.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace heeler::query {
namespace {

constexpr size_t kMaxDepth = 64;

constexpr std::array<std::string_view, 10> kSpaceAggregators = {"avg", "sum", "min", "max", "count",
                                                                "p50", "p75", "p90", "p95", "p99"};
constexpr std::array<std::string_view, 10> kRollupAggregators = {
    "avg", "sum", "min", "max", "count", "p50", "p75", "p90", "p95", "p99"};

// Functions of formulas: name, then how many series arguments and which other
// arguments (n = number, s = string) follow, each optional from `required` on.
struct FunctionSpec {
  std::string_view name;
  std::string_view extra;  // e.g. "n" for timeshift, "nss" for top
  size_t required;         // extra arguments that must be present
};
constexpr FunctionSpec kFunctions[] = {
    {"abs", "", 0},          {"log10", "", 0},
    {"log2", "", 0},         {"cumsum", "", 0},
    {"diff", "", 0},         {"per_second", "", 0},
    {"per_minute", "", 0},   {"per_hour", "", 0},
    {"timeshift", "n", 1},   {"day_before", "", 0},
    {"hour_before", "", 0},  {"week_before", "", 0},
    {"month_before", "", 0}, {"calendar_shift", "s", 1},
    {"top", "nss", 1},
};

const FunctionSpec* function_spec(std::string_view name) {
  for (const FunctionSpec& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
// Characters of a tag in a scope or by-list.
bool is_tag_char(char c) {
  return !is_space(c) && c != ',' && c != '{' && c != '}' && c != '(' && c != ')' && c != '\0';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParsedMetricExpr run() {
    ParsedMetricExpr out;
    skip_space();
    if (at_end()) {
      fail(0, "the query is empty");
    } else {
      auto root = parse_sum(0);
      skip_space();
      if (!error_ && !at_end()) fail(pos_, fmt::format("unexpected '{}'", text_[pos_]));
      if (!error_) out.root = std::move(root);
    }
    out.error = std::move(error_);
    return out;
  }

 private:
  using Expr = std::unique_ptr<MetricExpr>;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }
  void fail(size_t at, std::string message) {
    if (!error_) error_ = MetricParseError{at, std::move(message)};
  }
  bool expect(char c, std::string_view what) {
    skip_space();
    if (peek() == c) {
      ++pos_;
      return true;
    }
    fail(pos_, fmt::format("expected '{}' {}", c, what));
    return false;
  }
  std::string_view read_name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A word followed by the keyword boundary.
  bool keyword(std::string_view word) const {
    if (text_.substr(pos_, word.size()) != word) return false;
    const char after = pos_ + word.size() < text_.size() ? text_[pos_ + word.size()] : '\0';
    return !is_name_char(after) && after != ':';
  }

  static Expr binary(char op, Expr left, Expr right, size_t at) {
    auto e = std::make_unique<MetricExpr>();
    e->kind = MetricExpr::Kind::binary;
    e->op = op;
    e->position = at;
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
  }

  Expr parse_sum(size_t depth) {
    Expr left = parse_product(depth);
    while (!error_) {
      skip_space();
      const char c = peek();
      if (c != '+' && c != '-') break;
      const size_t at = pos_++;
      Expr right = parse_product(depth);
      left = binary(c, std::move(left), std::move(right), at);
    }
    return left;
  }

  Expr parse_product(size_t depth) {
    Expr left = parse_unary(depth);
    while (!error_) {
      skip_space();
      const char c = peek();
      if (c != '*' && c != '/') break;
      const size_t at = pos_++;
      Expr right = parse_unary(depth);
      left = binary(c, std::move(left), std::move(right), at);
    }
    return left;
  }

  Expr parse_unary(size_t depth) {
    skip_space();
    if (depth > kMaxDepth) {
      fail(pos_, "the formula is nested too deeply");
      return nullptr;
    }
    if (peek() == '-') {
      const size_t at = pos_++;
      auto e = std::make_unique<MetricExpr>();
      e->kind = MetricExpr::Kind::negate;
      e->position = at;
      e->args.push_back(parse_unary(depth + 1));
      return e;
    }
    return parse_primary(depth);
  }

  Expr parse_primary(size_t depth) {
    skip_space();
    const size_t at = pos_;
    if (at_end()) {
      fail(at, "a value is missing at the end of the formula");
      return nullptr;
    }
    if (peek() == '(') {
      ++pos_;
      Expr inner = parse_sum(depth + 1);
      if (!expect(')', "to close '('")) return nullptr;
      return inner;
    }
    if (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '.') {
      double value = 0;
      auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
      if (ec != std::errc() || !std::isfinite(value)) {
        fail(at, "not a number");
        return nullptr;
      }
      pos_ = static_cast<size_t>(ptr - text_.data());
      auto e = std::make_unique<MetricExpr>();
      e->kind = MetricExpr::Kind::number;
      e->number = value;
      e->position = at;
      return e;
    }
    std::string_view name = read_name();
    if (name.empty()) {
      fail(at, fmt::format("unexpected '{}'", peek()));
      return nullptr;
    }
    if (peek() == ':' || peek() == '{') {
      pos_ = at;
      auto e = std::make_unique<MetricExpr>();
      e->kind = MetricExpr::Kind::query;
      e->position = at;
      e->query = parse_query();
      if (!e->query) return nullptr;
      return e;
    }
    skip_space();
    if (peek() == '(') return parse_function(name, at, depth);
    auto e = std::make_unique<MetricExpr>();
    e->kind = MetricExpr::Kind::reference;
    e->name = std::string(name);
    e->position = at;
    return e;
  }

  Expr parse_function(std::string_view name, size_t at, size_t depth) {
    const FunctionSpec* spec = function_spec(name);
    if (!spec) {
      fail(at, fmt::format("unknown function '{}'", name));
      return nullptr;
    }
    ++pos_;  // '('
    auto e = std::make_unique<MetricExpr>();
    e->kind = MetricExpr::Kind::function;
    e->name = std::string(name);
    e->position = at;
    e->args.push_back(parse_sum(depth + 1));
    if (error_) return nullptr;
    for (size_t i = 0; i < spec->extra.size(); ++i) {
      skip_space();
      if (peek() != ',') {
        if (i < spec->required) {
          fail(pos_,
               fmt::format("{}() needs {} argument(s) after the query", name, spec->required));
          return nullptr;
        }
        break;
      }
      ++pos_;
      skip_space();
      if (spec->extra[i] == 'n') {
        const size_t num_at = pos_;
        double value = 0;
        auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
        if (ec != std::errc()) {
          fail(num_at, fmt::format("{}() expects a number here", name));
          return nullptr;
        }
        pos_ = static_cast<size_t>(ptr - text_.data());
        auto n = std::make_unique<MetricExpr>();
        n->kind = MetricExpr::Kind::number;
        n->number = value;
        n->position = num_at;
        e->args.push_back(std::move(n));
      } else {
        const char quote = peek();
        if (quote != '\'' && quote != '"') {
          fail(pos_, fmt::format("{}() expects a quoted string here", name));
          return nullptr;
        }
        const size_t open = pos_++;
        const size_t close = text_.find(quote, pos_);
        if (close == std::string_view::npos) {
          fail(open, "a quote is never closed");
          return nullptr;
        }
        e->string_args.emplace_back(text_.substr(pos_, close - pos_));
        pos_ = close + 1;
      }
    }
    if (!expect(')', fmt::format("to close {}(", name))) return nullptr;
    return e;
  }

  std::shared_ptr<MetricQuery> parse_query() {
    auto q = std::make_shared<MetricQuery>();
    const size_t start = pos_;
    std::string_view first = read_name();
    if (peek() == ':') {
      if (!is_space_aggregator(first)) {
        fail(start, fmt::format("unknown aggregator '{}': use avg, sum, min, max, count or "
                                "p50/p75/p90/p95/p99",
                                first));
        return nullptr;
      }
      q->space_aggregator = std::string(first);
      ++pos_;
      const size_t name_at = pos_;
      first = read_name();
      if (first.empty()) {
        fail(name_at, "a metric name is missing");
        return nullptr;
      }
    }
    q->metric = std::string(first);
    if (peek() != '{') {
      fail(pos_, fmt::format("expected '{{' and a scope after the metric name, as in {}{{*}}",
                             q->metric));
      return nullptr;
    }
    ++pos_;
    skip_space();
    if (peek() == '*') {
      ++pos_;
    } else if (peek() != '}') {
      q->scope = parse_scope_or(0);
      if (error_) return nullptr;
    }
    if (!expect('}', "to close the scope")) return nullptr;
    // by {a, b}
    const size_t save = pos_;
    skip_space();
    if (keyword("by")) {
      pos_ += 2;
      if (!expect('{', "after 'by'")) return nullptr;
      while (true) {
        skip_space();
        const size_t tag_at = pos_;
        while (is_tag_char(peek())) ++pos_;
        if (pos_ == tag_at) {
          fail(tag_at, "a tag name is missing in 'by {…}'");
          return nullptr;
        }
        q->group_by.emplace_back(text_.substr(tag_at, pos_ - tag_at));
        skip_space();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        break;
      }
      if (!expect('}', "to close 'by {…}'")) return nullptr;
    } else {
      pos_ = save;
    }
    while (peek() == '.') {
      ++pos_;
      const size_t method_at = pos_;
      std::string_view method = read_name();
      if (!expect('(', fmt::format("after .{}", method))) return nullptr;
      std::vector<std::string> args;
      skip_space();
      while (peek() != ')' && !at_end()) {
        skip_space();
        const size_t arg_at = pos_;
        while (!at_end() && peek() != ',' && peek() != ')' && !is_space(peek())) ++pos_;
        std::string arg(text_.substr(arg_at, pos_ - arg_at));
        if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"') &&
            arg.back() == arg.front())
          arg = arg.substr(1, arg.size() - 2);
        args.push_back(std::move(arg));
        skip_space();
        if (peek() == ',') ++pos_;
      }
      if (!expect(')', fmt::format("to close .{}(", method))) return nullptr;
      if (!apply_method(*q, method, args, method_at)) return nullptr;
    }
    q->text = std::string(text_.substr(start, pos_ - start));
    return q;
  }

  bool parse_int(std::string_view text, int64_t& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
  }

  bool apply_method(MetricQuery& q, std::string_view method, const std::vector<std::string>& args,
                    size_t at) {
    if (method == "rollup") {
      if (args.empty() || args.size() > 2) {
        fail(at, ".rollup() takes an aggregator and optionally seconds: .rollup(avg, 60)");
        return false;
      }
      size_t seconds_arg = 1;
      if (int64_t n = 0; args.size() == 1 && parse_int(args[0], n)) {
        seconds_arg = 0;  // .rollup(60)
      } else {
        if (!is_rollup_aggregator(args[0])) {
          fail(at, fmt::format("unknown rollup aggregator '{}'", args[0]));
          return false;
        }
        q.rollup_aggregator = args[0];
      }
      if (seconds_arg < args.size()) {
        int64_t seconds = 0;
        if (!parse_int(args[seconds_arg], seconds) || seconds <= 0) {
          fail(at, fmt::format(".rollup() seconds must be a positive whole number, not '{}'",
                               args[seconds_arg]));
          return false;
        }
        q.rollup_seconds = seconds;
      }
      return true;
    }
    if (method == "as_count" || method == "as_rate") {
      if (!args.empty()) {
        fail(at, fmt::format(".{}() takes no arguments", method));
        return false;
      }
      q.as = method == "as_count" ? MetricQuery::As::count : MetricQuery::As::rate;
      return true;
    }
    if (method == "fill") {
      if (args.empty() || args.size() > 2) {
        fail(at, ".fill() takes null, zero or last, and optionally a limit in seconds");
        return false;
      }
      if (args[0] == "null")
        q.fill = MetricQuery::Fill::null;
      else if (args[0] == "zero" || args[0] == "0")
        q.fill = MetricQuery::Fill::zero;
      else if (args[0] == "last")
        q.fill = MetricQuery::Fill::last;
      else {
        fail(at, fmt::format(".fill() takes null, zero or last, not '{}'", args[0]));
        return false;
      }
      if (args.size() == 2 &&
          (!parse_int(args[1], q.fill_limit_seconds) || q.fill_limit_seconds <= 0)) {
        fail(at, ".fill() limit must be a positive number of seconds");
        return false;
      }
      return true;
    }
    fail(at, fmt::format("unknown method .{}(): use rollup, as_count, as_rate or fill", method));
    return false;
  }

  // scope := and (OR and)* ; and := unary ((,|AND) unary)* ; unary := (NOT|!|-) unary | atom
  std::unique_ptr<ScopeNode> combine(ScopeNode::Kind kind,
                                     std::vector<std::unique_ptr<ScopeNode>> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    auto n = std::make_unique<ScopeNode>();
    n->kind = kind;
    n->children = std::move(parts);
    return n;
  }

  std::unique_ptr<ScopeNode> parse_scope_or(size_t depth) {
    std::vector<std::unique_ptr<ScopeNode>> parts;
    parts.push_back(parse_scope_and(depth));
    while (!error_) {
      skip_space();
      if (!keyword("OR")) break;
      pos_ += 2;
      parts.push_back(parse_scope_and(depth));
    }
    return combine(ScopeNode::Kind::any, std::move(parts));
  }

  std::unique_ptr<ScopeNode> parse_scope_and(size_t depth) {
    std::vector<std::unique_ptr<ScopeNode>> parts;
    parts.push_back(parse_scope_unary(depth));
    while (!error_) {
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (keyword("AND")) {
        pos_ += 3;
      } else {
        break;
      }
      parts.push_back(parse_scope_unary(depth));
    }
    return combine(ScopeNode::Kind::all, std::move(parts));
  }

  std::unique_ptr<ScopeNode> parse_scope_unary(size_t depth) {
    skip_space();
    if (depth > kMaxDepth) {
      fail(pos_, "the scope is nested too deeply");
      return nullptr;
    }
    bool negate = false;
    if (keyword("NOT")) {
      pos_ += 3;
      negate = true;
    } else if (peek() == '!' || peek() == '-') {
      ++pos_;
      negate = true;
    }
    std::unique_ptr<ScopeNode> inner;
    skip_space();
    if (peek() == '(') {
      const size_t open = pos_++;
      inner = parse_scope_or(depth + 1);
      skip_space();
      if (!error_ && peek() != ')') fail(open, "'(' is never closed");
      if (error_) return nullptr;
      ++pos_;
    } else {
      inner = parse_condition();
    }
    if (!negate || error_) return inner;
    auto n = std::make_unique<ScopeNode>();
    n->kind = ScopeNode::Kind::negate;
    n->children.push_back(std::move(inner));
    return n;
  }

  std::unique_ptr<ScopeNode> parse_condition() {
    const size_t at = pos_;
    while (is_tag_char(peek())) ++pos_;
    std::string_view tag = text_.substr(at, pos_ - at);
    if (tag.empty()) {
      fail(at, at_end() ? "the scope is never closed with '}'" : "a tag is missing in the scope");
      return nullptr;
    }
    auto n = std::make_unique<ScopeNode>();
    TagCondition& c = n->condition;
    const size_t colon = tag.find(':');
    if (colon != std::string_view::npos) {
      c.key = std::string(tag.substr(0, colon));
      c.value = std::string(tag.substr(colon + 1));
      if (c.key.empty() || c.value.empty()) {
        fail(at, fmt::format("'{}' needs a key and a value, as in env:prod", tag));
        return nullptr;
      }
      return n;
    }
    c.key = std::string(tag);
    // key IN (a, b) / key NOT IN (a, b)
    const size_t save = pos_;
    skip_space();
    bool not_in = false;
    if (keyword("NOT")) {
      const size_t before_not = pos_;
      pos_ += 3;
      skip_space();
      if (!keyword("IN")) {
        pos_ = before_not;
      } else {
        not_in = true;
      }
    }
    if (keyword("IN")) {
      pos_ += 2;
      if (!expect('(', "after IN")) return nullptr;
      while (true) {
        skip_space();
        const size_t v_at = pos_;
        while (is_tag_char(peek())) ++pos_;
        if (pos_ == v_at) {
          fail(v_at, "a value is missing in IN (…)");
          return nullptr;
        }
        c.values.emplace_back(text_.substr(v_at, pos_ - v_at));
        skip_space();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        break;
      }
      if (!expect(')', "to close IN (…)")) return nullptr;
      c.in = true;
      if (!not_in) return n;
      auto neg = std::make_unique<ScopeNode>();
      neg->kind = ScopeNode::Kind::negate;
      neg->children.push_back(std::move(n));
      return neg;
    }
    pos_ = save;
    c.bare = true;
    return n;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::optional<MetricParseError> error_;
};

void collect(const MetricExpr& e, std::vector<const MetricQuery*>& out) {
  if (e.kind == MetricExpr::Kind::query) out.push_back(e.query.get());
  for (const auto& a : e.args)
    if (a) collect(*a, out);
}

}  // namespace

ParsedMetricExpr parse_metric_expression(std::string_view text) {
  return Parser(text).run();
}

std::vector<const MetricQuery*> metric_queries(const MetricExpr& expr) {
  std::vector<const MetricQuery*> out;
  collect(expr, out);
  return out;
}

bool is_space_aggregator(std::string_view name) {
  for (auto a : kSpaceAggregators)
    if (a == name) return true;
  return false;
}

bool is_rollup_aggregator(std::string_view name) {
  for (auto a : kRollupAggregators)
    if (a == name) return true;
  return false;
}

}  // namespace heeler::query
