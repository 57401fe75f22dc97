// Prometheus remote-write decoding on one core. A realistic feed is built up front:
// requests of 1,000 series × 100 samples with node-exporter-like labels (half
// counters, half gauges), serialized and snappy-compressed as Prometheus sends them.
// Measured per request, samples/s:
//   - baseline: snappy uncompress + protobuf parse (what any receiver must do);
//   - decode: the same plus the conversion into a MetricBatch (tags, series ids,
//     counter deltas), i.e. everything the receiver does before the WAL.
// Prints a markdown table; the decode figure is also given as a share of the baseline.
#include <fmt/format.h>
#include <google/protobuf/arena.h>
#include <snappy.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "intake/prometheus/decode.h"

namespace {

using namespace heeler;
namespace prom = intake::prometheus;

constexpr int kSeries = 1000;
constexpr int kSamples = 100;
constexpr int kRequests = 30;
constexpr int kRounds = 3;  // the best of

// CPU time of this thread: the figure for one core, whatever else the machine runs.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double since(double start) {
  return cpu_seconds() - start;
}

void label(::prometheus::TimeSeries* ts, const std::string& name, const std::string& value) {
  auto* l = ts->add_labels();
  l->set_name(name);
  l->set_value(value);
}

// Request `r`: every series carries its next 100 samples, 15 s apart.
std::string build_request(int r, int64_t start_ms) {
  static const char* const kModes[] = {"idle", "user",    "system", "iowait",
                                       "irq",  "softirq", "steal",  "nice"};
  static const char* const kGauges[] = {"node_memory_MemAvailable_bytes",
                                        "node_filesystem_avail_bytes", "node_load1",
                                        "node_network_receive_queue_length"};
  prom::WriteRequest request;
  for (int s = 0; s < kSeries; ++s) {
    auto* ts = request.add_timeseries();
    const bool counter = s % 2 == 0;
    const int host = s / 50;
    if (counter) {
      label(ts, "__name__", "node_cpu_seconds_total");
      label(ts, "cpu", std::to_string((s / 8) % 32));
    } else {
      label(ts, "__name__", kGauges[s % 4]);
      label(ts, "device", fmt::format("/dev/nvme{}n1p{}", s % 3, s % 5));
    }
    label(ts, "instance", fmt::format("10.0.{}.{}:9100", host / 250, host % 250));
    label(ts, "job", "node");
    if (counter) label(ts, "mode", kModes[s % 8]);
    for (int i = 0; i < kSamples; ++i) {
      const int64_t step = static_cast<int64_t>(r) * kSamples + i;
      auto* sample = ts->add_samples();
      sample->set_timestamp(start_ms + step * 15'000);
      sample->set_value(counter ? static_cast<double>(step) * 1.5 + s
                                : 1e9 + static_cast<double>((step * 7919 + s) % 100'000));
    }
  }
  std::string raw, compressed;
  request.SerializeToString(&raw);
  snappy::Compress(raw.data(), raw.size(), &compressed);
  return compressed;
}

}  // namespace

int main() {
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  const int64_t start_ms = now_ms - int64_t{kRequests} * kSamples * 15'000 * kRounds * 2;
  std::vector<std::string> feed;
  size_t compressed_bytes = 0;
  for (int r = 0; r < kRequests * kRounds * 2; ++r) {
    feed.push_back(build_request(r, start_ms));
    compressed_bytes += feed.back().size();
  }
  const double samples_per_run = double{kSeries} * kSamples * kRequests;

  // Baseline: uncompress + parse.
  double best_base = 0;
  size_t raw_bytes = 0;
  for (int round = 0; round < kRounds; ++round) {
    const double t = cpu_seconds();
    for (int r = 0; r < kRequests; ++r) {
      auto raw = prom::uncompress_snappy(feed[r]);
      google::protobuf::Arena arena;
      auto* request = google::protobuf::Arena::CreateMessage<prom::WriteRequest>(&arena);
      if (!raw.ok() || !prom::parse_write_request(*raw, *request).ok()) return 1;
      raw_bytes = raw->size();
    }
    best_base = std::max(best_base, samples_per_run / since(t));
  }

  // Decode into a MetricBatch, with the receiver's converter and metadata; each round
  // takes fresh requests so counters advance (deltas, not retries).
  pipeline::CumulativeToDelta deltas((now_ms - 86'400'000) * 1'000'000);
  prom::MetadataCache metadata;
  double best_decode = 0;
  uint64_t points = 0;
  for (int round = 0; round < kRounds * 2; ++round) {
    const double t = cpu_seconds();
    for (int r = 0; r < kRequests; ++r) {
      const std::string& body = feed[static_cast<size_t>(round) * kRequests + r];
      auto raw = prom::uncompress_snappy(body);
      google::protobuf::Arena arena;
      auto* request = google::protobuf::Arena::CreateMessage<prom::WriteRequest>(&arena);
      if (!raw.ok() || !prom::parse_write_request(*raw, *request).ok()) return 1;
      metadata.remember(*request);
      prom::ConvertContext context{&deltas, (now_ms - 86'400'000) * 1'000'000, &metadata,
                                   now_ms * 1'000'000};
      pipeline::MetricBatch batch;
      prom::WriteResult result;
      prom::convert_write_request(*request, context, batch, result);
      points += result.points;
    }
    // The first round only warms the converter (baselines).
    if (round > 0) best_decode = std::max(best_decode, samples_per_run / since(t));
  }

  // The floor set by the pipeline: appending the same number of points, with their
  // tags prepared beforehand, to a MetricBatch.
  struct Prepared {
    std::string metric;
    std::vector<std::string> tag_strings;
    std::vector<std::string_view> tags;
  };
  std::vector<Prepared> prepared(kSeries);
  {
    auto raw = prom::uncompress_snappy(feed[0]);
    prom::WriteRequest request;
    if (!raw.ok() || !prom::parse_write_request(*raw, request).ok()) return 1;
    for (int i = 0; i < kSeries; ++i) {
      for (const auto& l : request.timeseries(i).labels()) {
        if (l.name() == "__name__")
          prepared[i].metric = l.value();
        else
          prepared[i].tag_strings.push_back(l.name() + ":" + l.value());
      }
      for (const std::string& t : prepared[i].tag_strings) prepared[i].tags.push_back(t);
    }
  }
  double best_append = 0;
  for (int round = 0; round < kRounds; ++round) {
    const double t = cpu_seconds();
    for (int r = 0; r < kRequests; ++r) {
      pipeline::MetricBatch batch;
      for (const Prepared& p : prepared) {
        pipeline::MetricPoint point;
        point.metric = p.metric;
        point.tags = p.tags;
        for (int i = 0; i < kSamples; ++i) {
          point.timestamp_ms = now_ms - i * 15'000;
          point.value = i;
          batch.append(point);
        }
      }
    }
    best_append = std::max(best_append, samples_per_run / since(t));
  }

  fmt::print(
      "Remote-write requests of {} series × {} samples ({:.0f} KiB snappy, {:.0f} KiB "
      "protobuf each); thread CPU time on one core, best of {} rounds.\n\n",
      kSeries, kSamples, double(compressed_bytes) / feed.size() / 1024, double(raw_bytes) / 1024,
      kRounds);
  fmt::print("| path | samples/s | share of baseline |\n|---|---:|---:|\n");
  fmt::print("| snappy + protobuf parse (baseline) | {:.2f} M | 100 % |\n", best_base / 1e6);
  fmt::print(
      "| decode into MetricBatch (full receiver path before the WAL) | {:.2f} M | {:.0f} % "
      "|\n",
      best_decode / 1e6, 100 * best_decode / best_base);
  fmt::print(
      "| MetricBatch::append alone, tags prepared (the pipeline's floor) | {:.2f} M | {:.0f} % |\n",
      best_append / 1e6, 100 * best_append / best_base);
  fmt::print("\n({} points appended in all by the decode rounds)\n", points);
  return 0;
}
