// DogStatsD datagrams: any bytes are parsed line by line and aggregated without
// crashing, and every parsed field is a view into the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intake/dogstatsd/aggregator.h"
#include "intake/dogstatsd/parse.h"

namespace {

class NullConsumer final : public heeler::pipeline::Consumer {
 public:
  heeler::core::Status consume_logs(heeler::pipeline::LogBatch&&) override { return {}; }
  heeler::core::Status consume_spans(heeler::pipeline::SpanBatch&&) override { return {}; }
  heeler::core::Status consume_metrics(heeler::pipeline::MetricBatch&& batch) override {
    return batch.points().validate();
  }
  heeler::core::Status consume_events(heeler::pipeline::EventBatch&& batch) override {
    return batch.columns().validate();
  }
  heeler::core::Status consume_rum(heeler::pipeline::RumBatch&&) override { return {}; }
};

void check_inside(std::string_view outer, std::string_view inner) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size())
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heeler::intake;
  std::string_view packet(reinterpret_cast<const char*>(data), size);
  for_each_statsd_line(packet, [&](std::string_view text) {
    StatsdLine line;
    if (parse_statsd_line(text, line) != StatsdError::none) return;
    switch (line.kind) {
      case StatsdLine::Kind::metric: {
        const StatsdMetric& m = line.metric;
        for (auto v : {m.name, m.values, m.tags, m.container}) check_inside(text, v);
        if (m.name.empty() || !(m.sample_rate > 0 && m.sample_rate <= 1)) std::abort();
        std::string_view values = m.values;
        double v;
        if (m.type != StatsdType::set)
          while (next_statsd_value(values, v))
            if (v != v) std::abort();
        break;
      }
      case StatsdLine::Kind::event:
        for (auto v : {line.event.title, line.event.text, line.event.tags}) check_inside(text, v);
        (void)unescape_statsd_text(line.event.text);
        break;
      case StatsdLine::Kind::service_check:
        if (line.check.status < 0 || line.check.status > 3) std::abort();
        check_inside(text, line.check.message);
        break;
    }
  });

  static NullConsumer consumer;
  static heeler::core::Metrics metrics;
  AggregatorOptions options;
  options.max_series = 64;
  options.max_events = 16;
  Aggregator aggregator(options, consumer, metrics);
  const int64_t now = 1'700'000'000'000;
  aggregator.ingest(packet, now);
  aggregator.ingest(packet, now + 1);
  aggregator.flush(now + 10'000);
  aggregator.flush(now + 20'000, true);
  if (aggregator.live_series() != 0) std::abort();
  return 0;
}
