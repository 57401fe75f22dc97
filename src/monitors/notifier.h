// Sends monitor notifications to the channels their messages mention, off the
// evaluation path: notify() queues and returns; worker threads deliver, retrying
// failures with backoff, each delivery on its own so a dead channel delays no other.
// Every delivery's outcome is recorded for the monitor's page.
//
// Payloads: webhooks get their payload template with Datadog's $VARIABLES substituted
// inside JSON strings (so values cannot break the JSON); Slack gets a Block Kit
// message; Microsoft Teams an Adaptive Card; e-mail a plain-text message over SMTP
// (STARTTLS when offered or required, AUTH when a user is set).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "monitors/channels.h"
#include "monitors/evaluation.h"
#include "monitors/monitor_store.h"
#include "store/metadata.h"

namespace heeler::monitors {

struct Notification {
  int64_t monitor_id = 0;
  std::string monitor_name;  // rendered
  std::string title;         // "[Triggered on {host:web-1}] CPU high"
  std::string body;          // the rendered message, mentions included
  std::string group;         // "host:web-1,env:prod"; empty for simple monitors
  std::string transition;    // "Triggered", "Recovered", "Re-Triggered", …
  State from = State::ok;
  State to = State::ok;
  double value = 0;
  std::string query;
  std::string metric;  // the first metric a metric monitor reads
  std::vector<std::string> tags;
  std::optional<int64_t> priority;
  std::string link;
  int64_t at_ms = 0;
  bool notify = true;  // false: a change that is shown (history, events) but not sent
};

// One notification per transition of an evaluation: the monitor's name and message
// rendered for the transition's group and state. `base_url` starts the links back
// to the monitor ("http://heeler.example:8080").
std::vector<Notification> notifications_for(const StoredMonitor& monitor,
                                            const Evaluation& evaluation, int64_t now_ms,
                                            std::string_view base_url);

// Datadog's alert type of a state: error, warning, success or info.
std::string_view alert_type(State to);

// The payloads, exposed for tests.
struct HttpPayload {
  std::string body;
  std::string content_type;
};
core::Result<HttpPayload> webhook_payload(const Channel& channel, const Notification& n);
nlohmann::json slack_payload(const Notification& n);
nlohmann::json teams_payload(const Notification& n);
std::string email_message(const Notification& n, std::string_view from, std::string_view to);

struct SmtpSettings {
  std::string url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port; empty: none
  std::string username;
  std::string password;
  std::string from = "heeler@localhost";
  bool require_starttls = false;
  bool verify_tls = true;
};

struct NotifierConfig {
  int workers = 4;
  int attempts = 3;             // per delivery
  int64_t backoff_ms = 1000;    // before the second attempt; doubles after each
  int64_t timeout_ms = 10'000;  // per attempt
  SmtpSettings smtp;
};

// One event per notification for the event stream (source "monitor", aggregation key
// "monitor-<id>"), tagged with the monitor's tags, its group and monitor_id.
struct AlertEvent {
  int64_t timestamp_ms = 0;
  std::string title, text, alert_type, host, service, env, aggregation_key;
  std::vector<std::string> tags;
};
AlertEvent alert_event(const Notification& n);

class Notifier {
 public:
  Notifier(ChannelStore& channels, store::MetadataStore& meta, NotifierConfig config);
  ~Notifier();

  void start();
  void stop();  // drops what is still queued

  // Queues one delivery per mention of n.body; returns at once.
  void notify(const Notification& n);
  // Records, for each mention, that a downtime kept the notification from being sent.
  void record_silenced(const Notification& n, int64_t downtime_id);
  // Waits until nothing is queued or being delivered; false on timeout (tests).
  bool idle(std::chrono::milliseconds timeout);

  // The recorded deliveries of a monitor, newest first.
  core::Result<nlohmann::json> deliveries(int64_t monitor_id, size_t limit);

 private:
  struct Job {
    std::shared_ptr<const Notification> notification;
    std::string target;  // the mention: "webhook-ops", "jane@example.com"
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  struct Outcome {
    bool ok = false;
    bool retry = false;
    std::string detail;
  };
  void work();
  Outcome deliver(const Job& job);
  Outcome post(const std::string& url, const HttpPayload& payload,
               const std::vector<std::pair<std::string, std::string>>& headers);
  Outcome send_mail(const Notification& n, const std::string& to);
  void record(const Job& job, bool ok, const std::string& detail);

  ChannelStore& channels_;
  store::MetadataStore& meta_;
  NotifierConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace heeler::monitors
