#include "monitors/notifier.h"

#include <curl/curl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/log.h"
#include "monitors/message.h"
#include "net/http.h"

namespace heeler::monitors {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string number(double v) {
  if (std::isnan(v)) return "";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:.6g}", v);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

// Datadog's webhook variables for one notification.
std::map<std::string, std::string, std::less<>> variables(const Notification& n) {
  const auto group = group_tags(n.group);
  const auto host_it = group.find("host");
  const std::string host = host_it == group.end() ? "" : host_it->second;
  std::vector<std::string> tags = n.tags;
  for (const auto& [k, v] : group) tags.push_back(k + ":" + v);
  const std::string id = std::to_string(n.monitor_id);
  return {{"AGGREG_KEY", fmt::format("monitor-{}{}{}", id, n.group.empty() ? "" : "-", n.group)},
          {"ALERT_CYCLE_KEY", fmt::format("{}-{}", id, n.at_ms)},
          {"ALERT_ID", id},
          {"ALERT_METRIC", n.metric},
          {"ALERT_PRIORITY", n.priority ? fmt::format("P{}", *n.priority) : ""},
          {"ALERT_QUERY", n.query},
          {"ALERT_SCOPE", n.group},
          {"ALERT_STATUS", std::string(state_name(n.to))},
          {"ALERT_TITLE", n.monitor_name},
          {"ALERT_TRANSITION", n.transition},
          {"ALERT_TYPE", std::string(alert_type(n.to))},
          {"ALERT_VALUE", number(n.value)},
          {"DATE", std::to_string(n.at_ms)},
          {"EVENT_MSG", n.body},
          {"EVENT_TITLE", n.title},
          {"EVENT_TYPE", "monitor_alert"},
          {"HOSTNAME", host},
          {"ID", fmt::format("{}{:013d}", id, n.at_ms)},
          {"LAST_UPDATED", std::to_string(n.at_ms)},
          {"LINK", n.link},
          {"ORG_ID", "heeler"},
          {"ORG_NAME", "Heeler"},
          {"PRIORITY", n.priority ? fmt::format("P{}", *n.priority) : "normal"},
          {"TAGS", join(tags, ",")},
          {"TEXT_ONLY_MSG", n.body},
          {"USER", ""},
          {"USERNAME", ""}};
}

// $NAME → its value, inside one string; unknown names stay as written.
std::string substitute(std::string_view text,
                       const std::map<std::string, std::string, std::less<>>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '$') {
      size_t j = i + 1;
      while (j < text.size() &&
             (std::isupper(static_cast<unsigned char>(text[j])) ||
              std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        ++j;
      // The longest known name that starts here ($ALERT_TITLE before $ALERT_T…).
      bool done = false;
      for (size_t end = j; end > i + 1; --end) {
        auto it = vars.find(text.substr(i + 1, end - i - 1));
        if (it != vars.end()) {
          out += it->second;
          i = end;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out += text[i++];
  }
  return out;
}

json substitute_json(const json& v, const std::map<std::string, std::string, std::less<>>& vars) {
  if (v.is_string()) return substitute(v.get<std::string>(), vars);
  if (v.is_array()) {
    json out = json::array();
    for (const json& item : v) out.push_back(substitute_json(item, vars));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, item] : v.items()) out[substitute(k, vars)] = substitute_json(item, vars);
    return out;
  }
  return v;
}

// A header value kept to one line.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += {kTable[n >> 18], kTable[(n >> 12) & 63], kTable[(n >> 6) & 63], kTable[n & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += {kTable[n >> 18], kTable[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += {kTable[n >> 18], kTable[(n >> 12) & 63], kTable[(n >> 6) & 63], '='};
  }
  return out;
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < 4096) s->append(data, std::min(size * n, 4096 - s->size()));
  return size * n;
}

struct Upload {
  std::string_view data;
  size_t at = 0;
};

size_t upload(char* buffer, size_t size, size_t n, void* in) {
  auto* u = static_cast<Upload*>(in);
  const size_t take = std::min(size * n, u->data.size() - u->at);
  std::memcpy(buffer, u->data.data() + u->at, take);
  u->at += take;
  return take;
}

const char* kColor[] = {"Good", "Warning", "Attention", "Default", "Default"};

}  // namespace

std::string_view alert_type(State to) {
  switch (to) {
    case State::alert:
      return "error";
    case State::warn:
      return "warning";
    case State::ok:
      return "success";
    default:
      return "info";
  }
}

core::Result<HttpPayload> webhook_payload(const Channel& channel, const Notification& n) {
  const auto vars = variables(n);
  json tmpl;
  if (channel.payload.empty()) {
    tmpl = {{"id", "$ID"},
            {"title", "$EVENT_TITLE"},
            {"body", "$EVENT_MSG"},
            {"last_updated", "$LAST_UPDATED"},
            {"event_type", "$EVENT_TYPE"},
            {"date", "$DATE"},
            {"alert_transition", "$ALERT_TRANSITION"},
            {"link", "$LINK"},
            {"org", {{"id", "$ORG_ID"}, {"name", "$ORG_NAME"}}}};
  } else {
    tmpl = json::parse(channel.payload, nullptr, false);
    if (tmpl.is_discarded())
      return core::Status(core::Code::invalid_argument, "the webhook's payload is not valid JSON");
  }
  json filled = substitute_json(tmpl, vars);
  if (!channel.form) return HttpPayload{filled.dump(), "application/json"};
  std::string form;
  if (filled.is_object()) {
    for (const auto& [k, v] : filled.items()) {
      if (!form.empty()) form += '&';
      form += net::url_encode(k) + "=" +
              net::url_encode(v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return HttpPayload{form, "application/x-www-form-urlencoded"};
}

json slack_payload(const Notification& n) {
  const char* emoji = n.to == State::alert  ? ":red_circle:"
                      : n.to == State::warn ? ":large_yellow_circle:"
                      : n.to == State::ok   ? ":large_green_circle:"
                                            : ":white_circle:";
  json context =
      json::array({{{"type", "mrkdwn"}, {"text", fmt::format("<{}|View monitor>", n.link)}}});
  if (!n.group.empty())
    context.push_back({{"type", "mrkdwn"}, {"text", "Group: `" + n.group + "`"}});
  if (!std::isnan(n.value))
    context.push_back({{"type", "mrkdwn"}, {"text", "Value: *" + number(n.value) + "*"}});
  return {{"text", n.title},
          {"blocks",
           {{{"type", "header"},
             {"text", {{"type", "plain_text"}, {"text", n.title.substr(0, 150)}, {"emoji", true}}}},
            {{"type", "section"},
             {"text",
              {{"type", "mrkdwn"}, {"text", fmt::format("{} {}", emoji, n.body.substr(0, 2900))}}}},
            {{"type", "context"}, {"elements", context}}}}};
}

json teams_payload(const Notification& n) {
  json facts = json::array({{{"title", "Status"}, {"value", std::string(state_name(n.to))}},
                            {{"title", "Query"}, {"value", n.query}}});
  if (!n.group.empty()) facts.push_back({{"title", "Group"}, {"value", n.group}});
  if (!std::isnan(n.value)) facts.push_back({{"title", "Value"}, {"value", number(n.value)}});
  json card = {
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.4"},
      {"body",
       {{{"type", "TextBlock"},
         {"text", n.title},
         {"weight", "Bolder"},
         {"size", "Medium"},
         {"wrap", true},
         {"color", kColor[static_cast<int>(n.to)]}},
        {{"type", "TextBlock"}, {"text", n.body}, {"wrap", true}},
        {{"type", "FactSet"}, {"facts", facts}}}},
      {"actions", {{{"type", "Action.OpenUrl"}, {"title", "View monitor"}, {"url", n.link}}}}};
  return {{"type", "message"},
          {"attachments",
           {{{"contentType", "application/vnd.microsoft.card.adaptive"},
             {"contentUrl", nullptr},
             {"content", card}}}}};
}

std::string email_message(const Notification& n, std::string_view from, std::string_view to) {
  const std::string subject = one_line(n.title);
  const std::chrono::sys_seconds at{std::chrono::seconds(n.at_ms / 1000)};
  std::string body = n.body;
  // CRLF line ends, as SMTP requires.
  std::string crlf;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) crlf += '\r';
    crlf += body[i];
  }
  return fmt::format(
      "From: Heeler <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {:%a, %d %b %Y %H:%M:%S} +0000\r\n"
      "Message-ID: <monitor-{}-{}@heeler>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
      "X-Heeler-Monitor-Id: {}\r\n\r\n{}\r\n\r\n-- \r\nView the monitor: {}\r\n",
      one_line(from), one_line(to),
      ascii(subject) ? subject : "=?UTF-8?B?" + base64(subject) + "?=", at, n.monitor_id, n.at_ms,
      n.monitor_id, crlf, n.link);
}

std::vector<Notification> notifications_for(const StoredMonitor& stored,
                                            const Evaluation& evaluation, int64_t now_ms,
                                            std::string_view base_url) {
  const Monitor& m = stored.monitor;
  std::string metric;
  if (m.query.kind == QueryKind::metric && m.query.metric)
    if (auto queries = query::metric_queries(*m.query.metric); !queries.empty())
      metric = queries.front()->metric;
  std::vector<Notification> out;
  for (const Transition& t : evaluation.transitions) {
    MessageContext c;
    c.from = t.from;
    c.to = t.to;
    c.renotify = t.renotify;
    c.value = t.value;
    c.thresholds = m.options.thresholds;
    c.comparator = m.query.comparator;
    c.group = group_tags(t.group);
    auto g = evaluation.groups.find(t.group);
    c.triggered_ms = g != evaluation.groups.end() ? g->second.last_change_ms : now_ms;
    c.link = fmt::format("{}/monitors/{}", base_url, m.id);
    Notification n;
    n.monitor_id = m.id;
    n.monitor_name = render_template(m.name, c);
    n.title = event_title(c, t.group, n.monitor_name);
    n.body = render_template(m.message, c);
    n.group = t.group;
    n.transition = transition_name(c);
    n.from = t.from;
    n.to = t.to;
    n.value = t.value;
    n.query = m.query_text;
    n.metric = metric;
    n.tags = m.tags;
    if (auto p = m.body.find("priority"); p != m.body.end() && p->is_number_integer())
      n.priority = p->get<int64_t>();
    n.link = c.link;
    n.at_ms = now_ms;
    n.notify = t.notify;
    out.push_back(std::move(n));
  }
  return out;
}

AlertEvent alert_event(const Notification& n) {
  AlertEvent e;
  e.timestamp_ms = n.at_ms;
  e.title = n.title;
  e.text = n.body;
  e.alert_type = std::string(alert_type(n.to));
  e.aggregation_key = fmt::format("monitor-{}", n.monitor_id);
  e.tags = n.tags;
  for (const auto& [k, v] : group_tags(n.group)) {
    if (k == "host")
      e.host = v;
    else if (k == "service")
      e.service = v;
    else if (k == "env")
      e.env = v;
    else
      e.tags.push_back(k + ":" + v);
  }
  e.tags.push_back(fmt::format("monitor_id:{}", n.monitor_id));
  e.tags.push_back(fmt::format("monitor_state:{}", state_name(n.to)));
  return e;
}

Notifier::Notifier(ChannelStore& channels, store::MetadataStore& meta, NotifierConfig config)
    : channels_(channels), meta_(meta), config_(std::move(config)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

Notifier::~Notifier() {
  stop();
}

void Notifier::start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, config_.workers); ++i) workers_.emplace_back([this] { work(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  idle_cv_.notify_all();
}

void Notifier::notify(const Notification& n) {
  auto shared = std::make_shared<const Notification>(n);
  {
    std::lock_guard lock(mu_);
    for (const std::string& target : mentions(n.body))
      queue_.push_back({shared, target, 0, Clock::now()});
  }
  cv_.notify_all();
}

bool Notifier::idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return queue_.empty() && busy_ == 0; });
}

void Notifier::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto due = std::min_element(queue_.begin(), queue_.end(),
                                [](const Job& a, const Job& b) { return a.due < b.due; });
    if (due == queue_.end()) {
      cv_.wait(lock);
      continue;
    }
    if (due->due > Clock::now()) {
      cv_.wait_until(lock, due->due);
      continue;
    }
    Job job = std::move(*due);
    queue_.erase(due);
    ++busy_;
    lock.unlock();
    ++job.attempt;
    Outcome outcome = deliver(job);
    if (outcome.ok || !outcome.retry || job.attempt >= config_.attempts)
      record(job, outcome.ok, outcome.detail);
    lock.lock();
    --busy_;
    if (!outcome.ok && outcome.retry && job.attempt < config_.attempts && !stopping_) {
      job.due = Clock::now() + std::chrono::milliseconds(config_.backoff_ms << (job.attempt - 1));
      queue_.push_back(std::move(job));
      cv_.notify_all();
    }
    if (queue_.empty() && busy_ == 0) idle_cv_.notify_all();
  }
}

Notifier::Outcome Notifier::deliver(const Job& job) {
  const Notification& n = *job.notification;
  const std::string& target = job.target;
  if (target.find('@') != std::string::npos) return send_mail(n, target);
  struct Prefix {
    std::string_view text;
    ChannelKind kind;
  };
  for (Prefix p : {Prefix{"webhook-", ChannelKind::webhook}, Prefix{"slack-", ChannelKind::slack},
                   Prefix{"teams-", ChannelKind::teams}}) {
    if (!target.starts_with(p.text)) continue;
    auto channel = channels_.get(p.kind, target.substr(p.text.size()));
    if (!channel) return {false, false, channel.status().message()};
    if (p.kind == ChannelKind::webhook) {
      auto payload = webhook_payload(*channel, n);
      if (!payload) return {false, false, payload.status().message()};
      return post(channel->url, *payload, channel->headers);
    }
    const json body = p.kind == ChannelKind::slack ? slack_payload(n) : teams_payload(n);
    return post(channel->url, {body.dump(), "application/json"}, {});
  }
  return {false, false,
          fmt::format("@{} names no channel (use @webhook-, @slack-, @teams- or an "
                      "e-mail address)",
                      target)};
}

Notifier::Outcome Notifier::post(const std::string& url, const HttpPayload& payload,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  CURL* curl = curl_easy_init();
  if (!curl) return {false, true, "cannot start an HTTP request"};
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("Content-Type: " + payload.content_type).c_str());
  list = curl_slist_append(list, "User-Agent: Heeler-Monitors/1");
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  std::string response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return {false, true, curl_easy_strerror(rc)};
  if (status >= 200 && status < 300) return {true, false, fmt::format("HTTP {}", status)};
  const bool retry = status >= 500 || status == 429 || status == 408;
  return {false, retry, fmt::format("HTTP {}: {}", status, one_line(response.substr(0, 300)))};
}

Notifier::Outcome Notifier::send_mail(const Notification& n, const std::string& to) {
  const SmtpSettings& smtp = config_.smtp;
  if (smtp.url.empty())
    return {false, false, "no SMTP server is configured (notifications.smtp_url)"};
  if (to.find_first_of("\r\n<> ") != std::string::npos || to.front() == '@' || to.back() == '@')
    return {false, false, fmt::format("'{}' is not an e-mail address", to)};
  const std::string message = email_message(n, smtp.from, to);
  CURL* curl = curl_easy_init();
  if (!curl) return {false, true, "cannot start an SMTP session"};
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
  Upload up{message};
  const std::string from = "<" + smtp.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   smtp.require_starttls ? static_cast<long>(CURLUSESSL_ALL)
                                         : static_cast<long>(CURLUSESSL_TRY));
  if (!smtp.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!smtp.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    const bool retry = rc != CURLE_LOGIN_DENIED && rc != CURLE_USE_SSL_FAILED;
    return {false, retry, fmt::format("SMTP: {}", curl_easy_strerror(rc))};
  }
  return {true, false, "sent"};
}

void Notifier::record_silenced(const Notification& n, int64_t downtime_id) {
  for (const std::string& target : mentions(n.body)) {
    auto r = meta_.exec(
        "INSERT INTO monitor_deliveries(monitor_id, at_ms, grp, transition, channel, status, "
        "attempts, detail) VALUES (?1, ?2, ?3, ?4, ?5, 'silenced', 0, ?6)",
        {n.monitor_id, n.at_ms, n.group, n.transition, "@" + target,
         fmt::format("downtime {}", downtime_id)});
    if (!r)
      core::log::error("monitors", "cannot record a delivery", {{"error", r.status().to_string()}});
  }
}

void Notifier::record(const Job& job, bool ok, const std::string& detail) {
  const Notification& n = *job.notification;
  auto r = meta_.exec(
      "INSERT INTO monitor_deliveries(monitor_id, at_ms, grp, transition, channel, status, "
      "attempts, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      {n.monitor_id, n.at_ms, n.group, n.transition, "@" + job.target,
       std::string(ok ? "delivered" : "failed"), int64_t{job.attempt}, detail});
  if (!r)
    core::log::error("monitors", "cannot record a delivery", {{"error", r.status().to_string()}});
  if (!ok)
    core::log::warn("monitors", "notification failed",
                    {{"monitor", std::to_string(n.monitor_id)},
                     {"channel", "@" + job.target},
                     {"detail", detail}});
}

core::Result<json> Notifier::deliveries(int64_t monitor_id, size_t limit) {
  auto rows = meta_.query(
      "SELECT at_ms, grp, transition, channel, status, attempts, detail FROM monitor_deliveries "
      "WHERE monitor_id = ?1 ORDER BY rowid DESC LIMIT ?2",
      {monitor_id, static_cast<int64_t>(limit)});
  if (!rows) return rows.status();
  const auto text = [](const store::MetaValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
  };
  const auto integer = [](const store::MetaValue& v) {
    const auto* i = std::get_if<int64_t>(&v);
    return i ? *i : 0;
  };
  json out = json::array();
  for (const auto& row : *rows)
    out.push_back({{"timestamp", integer(row[0])},
                   {"group", text(row[1]).empty() ? "*" : text(row[1])},
                   {"transition", text(row[2])},
                   {"channel", text(row[3])},
                   {"status", text(row[4])},
                   {"attempts", integer(row[5])},
                   {"detail", text(row[6])}});
  return out;
}

}  // namespace heeler::monitors
