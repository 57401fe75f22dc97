// The Datadog logs intake's parse path: a realistic /api/v2/logs body (1000 agent-shaped
// logs whose messages are JSON objects, as from a JSON logger) decoded into a LogBatch
// by intake::decode_logs (simdjson DOM + the shared log processor: flattening, status,
// trace ids, ddtags), against simdjson merely parsing the same body and visiting every
// value (the floor any JSON decoder pays). Single thread; medians of 7 repetitions of
// 20 bodies each. Prints a markdown table.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "intake/datadog_http/decode.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kLogs = 1000;
constexpr int kBodiesPerRep = 20;
constexpr int kRepetitions = 7;

std::string make_body() {
  std::string body = "[";
  const char* levels[] = {"info", "warn", "error", "debug"};
  for (int i = 0; i < kLogs; ++i) {
    if (i) body += ",";
    const uint64_t trace = 9'007'199'254'740'993ULL + static_cast<uint64_t>(i) * 7919;
    body += fmt::format(
        R"({{"message":"{{\"timestamp\":\"2024-05-01T12:00:{:02}.{:03}Z\",\"level\":\"{}\",)"
        R"(\"msg\":\"request completed for user {} in {} ms\",\"logger\":{{\"name\":\"com.shop.checkout.Handler\",)"
        R"(\"thread_name\":\"http-nio-8080-exec-{}\"}},\"http\":{{\"method\":\"POST\",\"url\":\"/api/cart/{}/checkout\",)"
        R"(\"status_code\":{}}},\"usr\":{{\"id\":\"user-{}\"}},\"duration\":{}.{},)"
        R"(\"dd\":{{\"trace_id\":\"{}\",\"span_id\":\"{}\",\"service\":\"checkout\",\"env\":\"prod\",\"version\":\"1.4.2\"}}}}",)"
        R"("ddsource":"java","ddtags":"env:prod,version:1.4.2,team:payments,kube_namespace:shop,pod_name:checkout-7d9f-{}",)"
        R"("hostname":"ip-10-0-{}-{}.ec2.internal","service":"checkout","status":"info"}})",
        i % 60, i % 1000, levels[i % 4], i * 31, i % 250, i % 16, i * 13, i % 7 == 0 ? 500 : 200, i,
        i % 900, i % 10, trace, trace ^ 0xabcdef, i % 50, i % 4, i % 250);
  }
  return body + "]";
}

size_t visit(simdjson::dom::element e) {
  size_t n = 1;
  if (e.is_object()) {
    simdjson::dom::object o = e.get_object().value_unsafe();
    for (auto field : o) n += field.key.size() + visit(field.value);
  } else if (e.is_array()) {
    simdjson::dom::array a = e.get_array().value_unsafe();
    for (simdjson::dom::element v : a) n += visit(v);
  } else if (e.is_string()) {
    n += e.get_string().value_unsafe().size();
  }
  return n;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  const std::string body = make_body();
  const int64_t now = 1'714'564'900'000'000'000;
  std::vector<double> decode_s, iterate_s, iterate_messages_s;
  size_t sink = 0;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    auto t = Clock::now();
    for (int b = 0; b < kBodiesPerRep; ++b) {
      heeler::pipeline::LogBatch batch;
      heeler::intake::DropReport report;
      if (!heeler::intake::decode_logs(body, now, batch, report).ok() || batch.size() != kLogs)
        return 1;
      sink += batch.size();
    }
    decode_s.push_back(std::chrono::duration<double>(Clock::now() - t).count());

    simdjson::dom::parser parser, message_parser;
    t = Clock::now();
    for (int b = 0; b < kBodiesPerRep; ++b) {
      simdjson::dom::element doc;
      if (parser.parse(body).get(doc) != simdjson::SUCCESS) return 1;
      sink += visit(doc);
    }
    iterate_s.push_back(std::chrono::duration<double>(Clock::now() - t).count());

    t = Clock::now();
    for (int b = 0; b < kBodiesPerRep; ++b) {
      simdjson::dom::element doc;
      if (parser.parse(body).get(doc) != simdjson::SUCCESS) return 1;
      sink += visit(doc);
      simdjson::dom::array logs = doc.get_array().value_unsafe();
      for (simdjson::dom::element log : logs) {
        std::string_view message = log["message"].get_string().value_unsafe();
        simdjson::dom::element inner;
        if (message_parser.parse(message.data(), message.size(), true).get(inner) !=
            simdjson::SUCCESS)
          return 1;
        sink += visit(inner);
      }
    }
    iterate_messages_s.push_back(std::chrono::duration<double>(Clock::now() - t).count());
  }
  const double records = static_cast<double>(kLogs) * kBodiesPerRep;
  const double decode = records / median(decode_s);
  const double iterate = records / median(iterate_s);
  const double iterate_messages = records / median(iterate_messages_s);
  fmt::print(
      "Datadog logs intake parse, 1 core, body of {} logs ({} KiB), medians of {} x {} bodies\n\n",
      kLogs, body.size() / 1024, kRepetitions, kBodiesPerRep);
  fmt::print("| path | records/s | MB/s | vs simdjson iterate |\n|---|---:|---:|---:|\n");
  auto row = [&](const char* name, double rate) {
    fmt::print("| {} | {:.0f} | {:.1f} | {:.2f} |\n", name, rate, rate * body.size() / kLogs / 1e6,
               rate / iterate);
  };
  row("simdjson DOM parse + visit every value (body only)", iterate);
  row("simdjson DOM parse + visit, body and each JSON message", iterate_messages);
  row("intake::decode_logs → LogBatch", decode);
  fmt::print("\n(checksum {})\n", sink % 10);
  return 0;
}
