#include "monitors/message.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <span>

namespace heeler::monitors {
namespace {

constexpr std::string_view kSections[] = {
    "is_alert",   "is_warning",  "is_recovery", "is_alert_recovery", "is_warning_recovery",
    "is_no_data", "is_renotify", "is_match",    "is_exact_match"};
constexpr std::string_view kVariables[] = {"value",
                                           "threshold",
                                           "warn_threshold",
                                           "ok_threshold",
                                           "warn_ok_threshold",
                                           "comparator",
                                           "last_triggered_at",
                                           "last_triggered_at_epoch",
                                           "link"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One {{…}} tag of a template.
struct Tag {
  size_t start = 0;  // offset of "{{"
  size_t end = 0;    // offset after "}}"
  char kind = 0;     // '#', '^', '/', or 0 for a variable
  std::string name;
  std::vector<std::string> args;  // quoted arguments of is_match / is_exact_match
  bool closed = true;             // false: "{{" without "}}"
};

// The next tag at or after `from`; nullopt when there is none.
std::optional<Tag> next_tag(std::string_view text, size_t from) {
  const size_t open = text.find("{{", from);
  if (open == std::string_view::npos) return std::nullopt;
  Tag tag;
  tag.start = open;
  const size_t close = text.find("}}", open + 2);
  if (close == std::string_view::npos) {
    tag.closed = false;
    tag.end = text.size();
    return tag;
  }
  tag.end = close + 2;
  std::string_view inner = trim(text.substr(open + 2, close - open - 2));
  if (!inner.empty() && (inner[0] == '#' || inner[0] == '^' || inner[0] == '/')) {
    tag.kind = inner[0];
    inner = trim(inner.substr(1));
  }
  size_t i = 0;
  while (i < inner.size() && !std::isspace(static_cast<unsigned char>(inner[i]))) ++i;
  tag.name = std::string(inner.substr(0, i));
  std::string_view rest = inner.substr(i);
  while (true) {
    rest = trim(rest);
    if (rest.empty() || rest[0] != '"') break;
    const size_t q = rest.find('"', 1);
    if (q == std::string_view::npos) break;
    tag.args.emplace_back(rest.substr(1, q - 1));
    rest = rest.substr(q + 1);
  }
  return tag;
}

bool known(std::span<const std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// "host.name" → "host"; "@http.method.value" → "http.method"; nullopt for other forms.
std::optional<std::string> group_key_of(std::string_view variable) {
  if (!variable.empty() && variable[0] == '@') variable.remove_prefix(1);
  for (std::string_view suffix : {".name", ".value"})
    if (variable.size() > suffix.size() && variable.ends_with(suffix))
      return std::string(variable.substr(0, variable.size() - suffix.size()));
  return std::nullopt;
}

std::string number(double v) {
  if (std::isnan(v)) return "";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:.4g}", v);
}

std::string optional_number(const std::optional<double>& v) {
  return v ? number(*v) : "";
}

std::string variable(const Tag& tag, const MessageContext& c) {
  const std::string& n = tag.name;
  if (n == "value") return number(c.value);
  if (n == "threshold") return optional_number(c.thresholds.critical);
  if (n == "warn_threshold") return optional_number(c.thresholds.warning);
  if (n == "ok_threshold") return optional_number(c.thresholds.critical_recovery);
  if (n == "warn_ok_threshold") return optional_number(c.thresholds.warning_recovery);
  if (n == "comparator") return c.comparator;
  if (n == "link") return c.link;
  if (n == "last_triggered_at_epoch") return c.triggered_ms ? std::to_string(c.triggered_ms) : "";
  if (n == "last_triggered_at") {
    if (!c.triggered_ms) return "";
    const std::chrono::sys_seconds s{std::chrono::seconds(c.triggered_ms / 1000)};
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", s);
  }
  // A facet grouped by as a whole ({{view.name}} of a monitor by @view.name), or a
  // tag's value ({{host.name}} of a monitor by host).
  if (auto it = c.group.find(n.starts_with('@') ? n.substr(1) : n); it != c.group.end())
    return it->second;
  if (auto key = group_key_of(n)) {
    auto it = c.group.find(*key);
    return it == c.group.end() ? "" : it->second;
  }
  return "";
}

bool section_holds(const Tag& tag, const MessageContext& c) {
  const std::string& n = tag.name;
  const bool recovery = c.to == State::ok && c.from != State::ok && c.from != State::skipped;
  if (n == "is_alert") return c.to == State::alert;
  if (n == "is_warning") return c.to == State::warn;
  if (n == "is_no_data") return c.to == State::no_data;
  if (n == "is_recovery") return recovery;
  if (n == "is_alert_recovery") return recovery && c.from == State::alert;
  if (n == "is_warning_recovery") return recovery && c.from == State::warn;
  if (n == "is_renotify") return c.renotify;
  if ((n == "is_match" || n == "is_exact_match") && tag.args.size() >= 2) {
    Tag var;
    var.name = tag.args[0];
    const std::string value = variable(var, c);
    for (size_t i = 1; i < tag.args.size(); ++i) {
      if (n == "is_exact_match" ? value == tag.args[i]
                                : value.find(tag.args[i]) != std::string::npos)
        return true;
    }
  }
  return false;
}

}  // namespace

std::optional<TemplateError> check_template(std::string_view text,
                                            const std::vector<std::string>& group_keys) {
  std::vector<Tag> open;
  const std::set<std::string> keys(group_keys.begin(), group_keys.end());
  auto check_variable = [&](const std::string& name, size_t at) -> std::optional<TemplateError> {
    if (known(kVariables, name)) return std::nullopt;
    if (keys.count(name.starts_with('@') ? name.substr(1) : name)) return std::nullopt;
    if (auto key = group_key_of(name)) {
      if (keys.count(*key)) return std::nullopt;
      return TemplateError{at,
                           fmt::format("{{{{{}}}}} needs the monitor grouped by {}", name, *key)};
    }
    return TemplateError{at, fmt::format("unknown variable {{{{{}}}}}", name)};
  };
  for (size_t from = 0;;) {
    auto tag = next_tag(text, from);
    if (!tag) break;
    if (!tag->closed) return TemplateError{tag->start, "'{{' is not closed by '}}'"};
    from = tag->end;
    if (tag->name.empty()) return TemplateError{tag->start, "an empty {{ }}"};
    if (tag->kind == '#' || tag->kind == '^') {
      if (!known(kSections, tag->name))
        return TemplateError{tag->start,
                             fmt::format("unknown section {{{{{}{}}}}}", tag->kind, tag->name)};
      if ((tag->name == "is_match" || tag->name == "is_exact_match")) {
        if (tag->args.size() < 2)
          return TemplateError{tag->start, fmt::format("{} takes a variable and a value, as in "
                                                       "{{{{#{} \"host.name\" \"web\"}}}}",
                                                       tag->name, tag->name)};
        if (auto e = check_variable(tag->args[0], tag->start)) return e;
      }
      open.push_back(*tag);
    } else if (tag->kind == '/') {
      if (open.empty())
        return TemplateError{tag->start, fmt::format("{{{{/{}}}}} closes nothing", tag->name)};
      if (open.back().name != tag->name)
        return TemplateError{tag->start, fmt::format("{{{{/{}}}}} closes {{{{{}{}}}}}", tag->name,
                                                     open.back().kind, open.back().name)};
      open.pop_back();
    } else if (auto e = check_variable(tag->name, tag->start)) {
      return e;
    }
  }
  if (!open.empty())
    return TemplateError{open.back().start, fmt::format("{{{{{}{}}}}} is never closed",
                                                        open.back().kind, open.back().name)};
  return std::nullopt;
}

std::string render_template(std::string_view text, const MessageContext& context) {
  std::string out;
  std::vector<bool> shown;  // one entry per open section: is its body shown
  auto visible = [&] { return std::all_of(shown.begin(), shown.end(), [](bool b) { return b; }); };
  size_t from = 0;
  while (true) {
    auto tag = next_tag(text, from);
    const size_t upto = tag ? tag->start : text.size();
    if (visible()) out.append(text.substr(from, upto - from));
    if (!tag) break;
    if (!tag->closed) {
      if (visible()) out.append(text.substr(tag->start));
      break;
    }
    from = tag->end;
    if (tag->kind == '#' || tag->kind == '^') {
      const bool holds = section_holds(*tag, context);
      shown.push_back(tag->kind == '#' ? holds : !holds);
    } else if (tag->kind == '/') {
      if (!shown.empty()) shown.pop_back();
    } else if (visible()) {
      out += variable(*tag, context);
    }
  }
  return out;
}

std::map<std::string, std::string> group_tags(std::string_view group) {
  std::map<std::string, std::string> out;
  size_t from = 0;
  while (from < group.size()) {
    const size_t comma = std::min(group.find(',', from), group.size());
    const std::string_view tag = group.substr(from, comma - from);
    const size_t colon = tag.find(':');
    if (colon != std::string_view::npos)
      out[std::string(tag.substr(0, colon))] = std::string(tag.substr(colon + 1));
    from = comma + 1;
  }
  return out;
}

std::vector<std::string> mentions(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '@') continue;
    // A mention starts a word: "@slack-ops", not "jane@example.com" read from its middle.
    if (i > 0 && !std::isspace(static_cast<unsigned char>(text[i - 1])) && text[i - 1] != '(' &&
        text[i - 1] != ',')
      continue;
    size_t j = i + 1;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                               std::string_view("-_.@+").find(text[j]) != std::string_view::npos))
      ++j;
    std::string handle(text.substr(i + 1, j - i - 1));
    while (!handle.empty() && (handle.back() == '.' || handle.back() == '-')) handle.pop_back();
    if (!handle.empty() && std::find(out.begin(), out.end(), handle) == out.end())
      out.push_back(std::move(handle));
    i = j - 1;
  }
  return out;
}

std::string transition_name(const MessageContext& c) {
  const char* re = c.renotify ? "Re-" : "";
  switch (c.to) {
    case State::alert:
      return fmt::format("{}Triggered", re);
    case State::warn:
      return fmt::format("{}Warn", re);
    case State::no_data:
      return fmt::format("{}No Data", re);
    case State::ok:
      return "Recovered";
    case State::skipped:
      return "Skipped";
  }
  return "?";
}

std::string event_title(const MessageContext& c, std::string_view group,
                        std::string_view rendered_name) {
  if (group.empty()) return fmt::format("[{}] {}", transition_name(c), rendered_name);
  return fmt::format("[{} on {{{}}}] {}", transition_name(c), group, rendered_name);
}

}  // namespace heeler::monitors
