#include "monitors/monitor_query.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "query/search.h"

namespace heeler::monitors {
namespace {

struct Fail {
  size_t position;
  std::string message;
};

// A cursor over the query text that throws Fail, caught once in parse_monitor_query.
class Cursor {
 public:
  Cursor(std::string_view text, size_t end) : text_(text), end_(end) {}

  size_t pos() const { return pos_; }
  bool done() {
    skip_space();
    return pos_ >= end_;
  }
  void skip_space() {
    while (pos_ < end_ && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < end_ && text_[pos_] == c;
  }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c, std::string_view after) {
    if (!accept(c)) fail(fmt::format("expected '{}' {}", c, after));
  }
  std::string identifier() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < end_ && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                           text_[pos_] == '_' || text_[pos_] == '-'))
      ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  // A double-quoted string with \" and \\ escapes.
  std::string quoted(size_t* content_start = nullptr) {
    skip_space();
    if (pos_ >= end_ || text_[pos_] != '"') fail("expected a double-quoted string");
    if (content_start) *content_start = pos_ + 1;
    const size_t open = pos_++;
    std::string out;
    while (pos_ < end_ && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < end_) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= end_) fail("this string is not closed", open);
    ++pos_;
    return out;
  }
  [[noreturn]] void fail(std::string message) { fail(std::move(message), pos_); }
  [[noreturn]] static void fail(std::string message, size_t at) {
    throw Fail{at, std::move(message)};
  }
  std::string_view rest() const { return text_.substr(pos_, end_ - pos_); }
  void advance_to(size_t p) { pos_ = p; }

 private:
  std::string_view text_;
  size_t end_;
  size_t pos_ = 0;
};

bool is_time_aggregator(std::string_view name) {
  if (name == "avg" || name == "sum" || name == "min" || name == "max" || name == "last" ||
      name == "median")
    return true;
  if (name.size() >= 2 && name.size() <= 4 && name[0] == 'p') {
    for (char c : name.substr(1))
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    const int n = std::stoi(std::string(name.substr(1)));
    return n > 0 && n < 100;
  }
  return false;
}

bool is_event_aggregation(std::string_view name) {
  static constexpr std::string_view kNames[] = {"count", "cardinality", "avg",    "sum",
                                                "min",   "max",         "median", "pc75",
                                                "pc90",  "pc95",        "pc98",   "pc99"};
  for (auto n : kNames)
    if (n == name) return true;
  return false;
}

// "last_5m" → 300.
int64_t last_window(std::string_view text) {
  if (text.rfind("last_", 0) != 0) return 0;
  return parse_window(text.substr(5));
}

// The comparator at depth 0 outside quotes, searched from the end: its offset and length.
// A string left open is reported where it opens.
std::optional<std::pair<size_t, size_t>> find_comparator(std::string_view text) {
  std::optional<std::pair<size_t, size_t>> found;
  int depth = 0;
  bool quoted = false;
  size_t quote_at = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_at = i;
    } else if (c == '(' || c == '{' || c == '[')
      ++depth;
    else if (c == ')' || c == '}' || c == ']')
      --depth;
    else if (depth == 0 && (c == '>' || c == '<')) {
      const size_t len = i + 1 < text.size() && text[i + 1] == '=' ? 2 : 1;
      found = {i, len};
      i += len - 1;
    }
  }
  if (quoted) throw Fail{quote_at, "this string is not closed"};
  return found;
}

void parse_metric(Cursor& in, MonitorQuery& q, std::string_view text, size_t body_end) {
  std::string head = in.identifier();
  if (head == "change" || head == "pct_change") {
    q.change = head == "change" ? MonitorQuery::Change::change : MonitorQuery::Change::pct_change;
    in.expect('(', "after " + head);
    head = in.identifier();
  }
  const size_t aggr_at = in.pos() - head.size();
  if (head.empty())
    in.fail("a metric monitor starts with a time aggregation such as avg(last_5m):");
  if (!is_time_aggregator(head))
    Cursor::fail(fmt::format("'{}' is not a time aggregation (avg, sum, min, max, last, median "
                             "or a percentile like p95)",
                             head),
                 aggr_at);
  q.time_aggregator = head;
  if (head[0] == 'p') q.percentile = std::stoi(head.substr(1)) / 100.0;
  in.expect('(', "after the time aggregation " + head);
  in.skip_space();
  const size_t window_at = in.pos();
  const std::string window = in.identifier();
  q.window_seconds = last_window(window);
  if (!q.window_seconds)
    Cursor::fail(fmt::format("'{}' is not a window such as last_5m, last_1h or last_1d", window),
                 window_at);
  in.expect(')', "after the window");
  if (q.change != MonitorQuery::Change::none) {
    in.expect(',', "and the time to compare with, as in change(avg(last_5m),last_1h)");
    in.skip_space();
    const size_t shift_at = in.pos();
    const std::string shift = in.identifier();
    q.change_shift_seconds = last_window(shift);
    if (!q.change_shift_seconds)
      Cursor::fail(fmt::format("'{}' is not a time to compare with, such as last_1h", shift),
                   shift_at);
    in.expect(')', "closing the change");
  }
  in.expect(':', "before the metric query");
  in.skip_space();
  const size_t start = in.pos();
  const std::string_view metric = text.substr(start, body_end - start);
  auto parsed = query::parse_metric_expression(metric);
  if (!parsed.ok()) Cursor::fail(parsed.error->message, start + parsed.error->position);
  q.metric = std::shared_ptr<query::MetricExpr>(std::move(parsed.root));
  q.metric_text = std::string(metric);
  while (!q.metric_text.empty() && std::isspace(static_cast<unsigned char>(q.metric_text.back())))
    q.metric_text.pop_back();
  in.advance_to(body_end);
}

void parse_events(Cursor& in, MonitorQuery& q, const std::string& source) {
  in.expect('(', "after " + source);
  q.events.search = in.quoted(&q.events.search_position);
  in.expect(')', "closing " + source + "(…)");
  const bool synthetics = source == "synthetics";
  if (synthetics) {
    if (q.events.search.empty())
      Cursor::fail("synthetics() names a test's public id", q.events.search_position);
  } else if (auto parsed = query::parse_search(q.events.search); !parsed.ok()) {
    Cursor::fail("in the search: " + parsed.error->message,
                 q.events.search_position + parsed.error->position);
  }
  bool have_last = false;
  while (in.accept('.')) {
    const size_t at = in.pos();
    const std::string fn = in.identifier();
    in.expect('(', "after ." + fn);
    std::vector<std::string> args;
    std::vector<size_t> arg_at;
    if (!in.peek(')')) {
      do {
        in.skip_space();
        arg_at.push_back(in.pos());
        args.push_back(in.quoted());
      } while (in.accept(','));
    }
    in.expect(')', "closing ." + fn + "(…)");
    if (fn == "over" && synthetics) {
      if (args.size() != 1) Cursor::fail(".over() takes one scope such as \"*\"", at);
    } else if (synthetics && (fn == "index" || fn == "rollup" || fn == "by")) {
      Cursor::fail(fmt::format(".{}() does not apply to synthetics()", fn), at);
    } else if (fn == "index") {
      if (args.size() != 1) Cursor::fail(".index() takes one index name", at);
      q.events.index = args[0];
    } else if (fn == "rollup") {
      if (args.empty() || args.size() > 2)
        Cursor::fail(".rollup() takes an aggregation and, except for count, a measure", at);
      if (!is_event_aggregation(args[0]))
        Cursor::fail(fmt::format("'{}' is not an aggregation (count, cardinality, avg, sum, min, "
                                 "max, median, pc75, pc90, pc95, pc98, pc99)",
                                 args[0]),
                     arg_at[0]);
      q.events.aggregation = args[0];
      q.events.measure = args.size() > 1 ? args[1] : "";
      if (q.events.aggregation != "count" && q.events.measure.empty())
        Cursor::fail(fmt::format(".rollup(\"{}\") needs a measure, as in .rollup(\"{}\", "
                                 "\"@duration\")",
                                 args[0], args[0]),
                     at);
    } else if (fn == "by") {
      for (const std::string& arg : args) {
        size_t from = 0;
        while (from <= arg.size()) {
          const size_t comma = std::min(arg.find(',', from), arg.size());
          std::string facet = arg.substr(from, comma - from);
          facet.erase(0, facet.find_first_not_of(' '));
          facet.erase(facet.find_last_not_of(' ') + 1);
          if (facet.empty()) Cursor::fail(".by() names an empty facet", at);
          q.events.group_by.push_back(facet);
          from = comma + 1;
        }
      }
      if (q.events.group_by.size() > 4) Cursor::fail("a monitor groups by at most 4 facets", at);
    } else if (fn == "last") {
      if (args.size() != 1) Cursor::fail(".last() takes one window such as \"5m\"", at);
      q.window_seconds = parse_window(args[0]);
      // A synthetics monitor may alert on the first failure.
      if (synthetics && (args[0] == "0s" || args[0] == "0m")) {
        have_last = true;
        continue;
      }
      if (!q.window_seconds)
        Cursor::fail(fmt::format("'{}' is not a window such as 5m, 1h or 1d", args[0]), arg_at[0]);
      have_last = true;
    } else {
      Cursor::fail(fmt::format("unknown function .{}() (index, rollup, by, last)", fn), at);
    }
  }
  if (!have_last) in.fail("the query needs a window, as in .last(\"5m\")");
}

std::unique_ptr<CompositeNode> composite_or(Cursor& in);

std::unique_ptr<CompositeNode> composite_unary(Cursor& in) {
  if (in.accept('!')) {
    auto node = std::make_unique<CompositeNode>();
    node->kind = CompositeNode::Kind::negate;
    node->children.push_back(composite_unary(in));
    return node;
  }
  if (in.accept('(')) {
    auto node = composite_or(in);
    in.expect(')', "closing the parenthesis");
    return node;
  }
  in.skip_space();
  const size_t at = in.pos();
  const std::string digits = in.identifier();
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || id <= 0)
    Cursor::fail("expected a monitor id", at);
  auto node = std::make_unique<CompositeNode>();
  node->monitor_id = id;
  return node;
}

std::unique_ptr<CompositeNode> composite_binary(Cursor& in, char op, CompositeNode::Kind kind,
                                                std::unique_ptr<CompositeNode> (*next)(Cursor&)) {
  auto first = next(in);
  std::unique_ptr<CompositeNode> node;
  while (true) {
    in.skip_space();
    const std::string_view rest = in.rest();
    if (rest.size() < 2 || rest[0] != op || rest[1] != op) break;
    in.advance_to(in.pos() + 2);
    if (!node) {
      node = std::make_unique<CompositeNode>();
      node->kind = kind;
      node->children.push_back(std::move(first));
    }
    node->children.push_back(next(in));
  }
  return node ? std::move(node) : std::move(first);
}

std::unique_ptr<CompositeNode> composite_and(Cursor& in) {
  return composite_binary(in, '&', CompositeNode::Kind::all, composite_unary);
}

std::unique_ptr<CompositeNode> composite_or(Cursor& in) {
  return composite_binary(in, '|', CompositeNode::Kind::any, composite_and);
}

bool looks_composite(std::string_view text) {
  bool digit = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)))
      digit = true;
    else if (!std::isspace(static_cast<unsigned char>(c)) && c != '(' && c != ')' && c != '&' &&
             c != '|' && c != '!')
      return false;
  }
  return digit;
}

void collect_ids(const CompositeNode& node, std::vector<int64_t>& out) {
  if (node.kind == CompositeNode::Kind::monitor) out.push_back(node.monitor_id);
  for (const auto& c : node.children) collect_ids(*c, out);
}

}  // namespace

std::string_view query_kind_name(QueryKind kind) {
  switch (kind) {
    case QueryKind::metric:
      return "metric";
    case QueryKind::logs:
      return "logs";
    case QueryKind::spans:
      return "trace-analytics";
    case QueryKind::events:
      return "events";
    case QueryKind::rum:
      return "rum";
    case QueryKind::synthetics:
      return "synthetics";
    case QueryKind::composite:
      return "composite";
  }
  return "?";
}

int64_t parse_window(std::string_view text) {
  if (text.size() < 2) return 0;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n <= 0 || n > 1'000'000)
    return 0;
  switch (text.back()) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    case 'w':
      return n * 7 * 86400;
    default:
      return 0;
  }
}

bool breaches(std::string_view comparator, double value, double threshold) {
  if (std::isnan(value)) return false;
  if (comparator == ">") return value > threshold;
  if (comparator == ">=") return value >= threshold;
  if (comparator == "<") return value < threshold;
  if (comparator == "<=") return value <= threshold;
  return false;
}

std::vector<std::string> MonitorQuery::group_by() const {
  if (kind == QueryKind::metric) {
    if (!metric) return {};
    for (const query::MetricQuery* mq : query::metric_queries(*metric))
      if (!mq->group_by.empty()) return mq->group_by;
    return {};
  }
  if (kind == QueryKind::composite) return {};
  return events.group_by;
}

std::vector<int64_t> MonitorQuery::composite_ids() const {
  std::vector<int64_t> out;
  if (composite) collect_ids(*composite, out);
  return out;
}

ParsedMonitorQuery parse_monitor_query(std::string_view text) {
  ParsedMonitorQuery result;
  try {
    MonitorQuery q;
    size_t first = 0;
    while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
    if (first == text.size()) throw Fail{0, "the query is empty"};
    if (looks_composite(text)) {
      Cursor in(text, text.size());
      q.kind = QueryKind::composite;
      q.composite = composite_or(in);
      if (!in.done()) in.fail("expected && or || between monitor ids");
      result.query = std::move(q);
      return result;
    }
    auto cmp = find_comparator(text);
    if (!cmp) throw Fail{text.size(), "the query needs a condition at its end, such as > 90"};
    q.comparator = std::string(text.substr(cmp->first, cmp->second));
    {
      const size_t at = cmp->first + cmp->second;
      std::string_view number = text.substr(at);
      size_t lead = 0;
      while (lead < number.size() && std::isspace(static_cast<unsigned char>(number[lead]))) ++lead;
      number.remove_prefix(lead);
      while (!number.empty() && std::isspace(static_cast<unsigned char>(number.back())))
        number.remove_suffix(1);
      q.threshold_position = at + lead;
      const std::string s(number);
      char* end = nullptr;
      q.threshold = s.empty() ? NAN : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(q.threshold))
        throw Fail{q.threshold_position,
                   "the threshold after " + q.comparator + " must be a number"};
    }
    Cursor in(text, cmp->first);
    in.skip_space();
    const size_t head_at = in.pos();
    const std::string_view body = text.substr(head_at, cmp->first - head_at);
    struct Source {
      std::string_view name;
      QueryKind kind;
    };
    static constexpr Source kSources[] = {
        {"logs", QueryKind::logs},   {"trace-analytics", QueryKind::spans},
        {"spans", QueryKind::spans}, {"events", QueryKind::events},
        {"rum", QueryKind::rum},     {"synthetics", QueryKind::synthetics}};
    bool event_source = false;
    for (const Source& s : kSources) {
      if (body.rfind(s.name, 0) == 0 &&
          body.substr(s.name.size()).find_first_not_of(' ') != std::string_view::npos &&
          body[body.find_first_not_of(' ', s.name.size())] == '(') {
        in.advance_to(head_at + s.name.size());
        q.kind = s.kind;
        parse_events(in, q, std::string(s.name));
        event_source = true;
        break;
      }
    }
    if (!event_source) {
      q.kind = QueryKind::metric;
      parse_metric(in, q, text, cmp->first);
    }
    if (!in.done()) in.fail("unexpected text before the condition");
    result.query = std::move(q);
  } catch (const Fail& f) {
    result.error = MonitorQueryError{std::min(f.position, text.size()), f.message};
  }
  return result;
}

}  // namespace heeler::monitors
