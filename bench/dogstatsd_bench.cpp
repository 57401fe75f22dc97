// DogStatsD intake on one core, in one run over the same buffer of realistic lines (the
// dd-trace runtime-metrics capture, ~300-byte lines with 12 tags and a c: field):
//   (a) baseline: splitting the buffer into lines with memchr, nothing else;
//   (b) parse: for_each_statsd_line + parse_statsd_line (UTF-8 check, every field);
//   (c) parse + aggregate: Aggregator::ingest on 8 KiB datagrams (series lookup, sorting
//       tags, the update), then one flush into a consumer that drops the batch.
// Prints a markdown table; each figure is the best of 5 repetitions.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "intake/dogstatsd/aggregator.h"
#include "intake/dogstatsd/parse.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;

class DropConsumer final : public pipeline::Consumer {
 public:
  core::Status consume_logs(pipeline::LogBatch&&) override { return {}; }
  core::Status consume_spans(pipeline::SpanBatch&&) override { return {}; }
  core::Status consume_metrics(pipeline::MetricBatch&& batch) override {
    points += batch.size();
    return {};
  }
  core::Status consume_events(pipeline::EventBatch&&) override { return {}; }
  core::Status consume_rum(pipeline::RumBatch&&) override { return {}; }
  size_t points = 0;
};

template <typename F>
double best_seconds(int reps, F&& f) {
  double best = 1e9;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main() {
  std::ifstream in(DOGSTATSD_SAMPLE);
  std::vector<std::string> sample;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.front() != '#') sample.push_back(line);
  if (sample.empty()) {
    fmt::print(stderr, "no sample lines in {}\n", DOGSTATSD_SAMPLE);
    return 1;
  }
  // ~500k lines; every 97-line copy of the capture gets its own service tag value so the
  // aggregator sees a realistic number of series (~100 per service, 50 services).
  constexpr size_t kLines = 500'000;
  std::string buffer;
  std::vector<std::string_view> datagrams;
  std::vector<size_t> datagram_starts{0};
  size_t lines = 0;
  while (lines < kLines) {
    for (const auto& line : sample) {
      std::string l = line;
      auto pos = l.find("service:capture-svc");
      if (pos != std::string::npos)
        l.replace(pos, 19, fmt::format("service:svc-{}", (lines / sample.size()) % 50));
      if (buffer.size() - datagram_starts.back() + l.size() + 1 > 8192)
        datagram_starts.push_back(buffer.size());
      buffer += l;
      buffer += '\n';
      ++lines;
    }
  }
  datagram_starts.push_back(buffer.size());
  for (size_t i = 0; i + 1 < datagram_starts.size(); ++i)
    datagrams.emplace_back(buffer.data() + datagram_starts[i],
                           datagram_starts[i + 1] - datagram_starts[i]);

  size_t sink = 0;
  double split = best_seconds(5, [&] {
    const char* p = buffer.data();
    const char* end = p + buffer.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!nl) nl = end;
      sink += static_cast<size_t>(nl - p);
      p = nl + 1;
    }
  });
  size_t parsed = 0, failed = 0;
  double parse = best_seconds(5, [&] {
    parsed = failed = 0;
    intake::StatsdLine line;
    intake::for_each_statsd_line(buffer, [&](std::string_view text) {
      if (intake::parse_statsd_line(text, line) == intake::StatsdError::none) {
        ++parsed;
        sink += line.metric.tags.size();
      } else {
        ++failed;
      }
    });
  });
  DropConsumer consumer;
  core::Metrics metrics;
  size_t series = 0;
  double flush_seconds = 0;
  double aggregate = best_seconds(5, [&] {
    intake::Aggregator aggregator({}, consumer, metrics);
    const int64_t now = 1'700'000'000'000;
    for (auto d : datagrams) aggregator.ingest(d, now);
    series = aggregator.live_series();
    auto start = Clock::now();
    aggregator.flush(now, true);
    flush_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  });
  if (failed != 0 || sink == 0) {
    fmt::print(stderr, "{} lines failed to parse\n", failed);
    return 1;
  }
  auto rate = [&](double s) { return static_cast<double>(lines) / s; };
  fmt::print("{} lines ({:.1f} MB, {:.0f} bytes/line) in {} datagrams of ≤8 KiB; {} series\n\n",
             lines, buffer.size() / 1e6, static_cast<double>(buffer.size()) / lines,
             datagrams.size(), series);
  fmt::print("| stage (one core) | best of 5 | lines/s | ns/line | vs memchr split |\n");
  fmt::print("|---|---|---|---|---|\n");
  auto row = [&](const char* name, double s) {
    fmt::print("| {} | {:.3f} s | {:.2f}M | {:.0f} | {:.2f}× the time |\n", name, s, rate(s) / 1e6,
               s * 1e9 / lines, s / split);
  };
  row("(a) memchr line split (baseline)", split);
  row("(b) parse", parse);
  row("(c) parse + aggregate (+ flush)", aggregate);
  fmt::print("\nflush of {} series into one MetricBatch: {:.3f} s (included in (c))\n", series,
             flush_seconds);
  return 0;
}
