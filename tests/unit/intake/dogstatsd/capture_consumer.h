// A Consumer that decodes what it is given back into plain rows, for assertions.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/consumer.h"

namespace heeler::intake {

struct CapturedPoint {
  std::string metric;
  std::map<std::string, std::string> tags;
  std::string kind;
  int64_t timestamp_ms = 0;
  double value = 0;
  uint64_t weight = 0;
};

struct CapturedEvent {
  int64_t timestamp_ms = 0;
  std::string title, text, source, priority, alert_type, host, service, env, aggregation_key;
  std::map<std::string, std::string> tags;
};

class CaptureConsumer final : public pipeline::Consumer {
 public:
  core::Status refuse;  // returned (and nothing kept) when not ok
  std::vector<CapturedPoint> points;
  std::vector<CapturedEvent> events;
  int metric_batches = 0, event_batches = 0;

  core::Status consume_logs(pipeline::LogBatch&&) override { return {}; }
  core::Status consume_spans(pipeline::SpanBatch&&) override { return {}; }

  core::Status consume_metrics(pipeline::MetricBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++metric_batches;
    using namespace store;
    const auto& series = batch.series().columns();
    const auto& ids = std::get<FixedColumn<uint64_t>>(series[0].data).values;
    const auto& tag_map = std::get<MapColumn>(series[2].data);
    std::map<uint64_t, std::map<std::string, std::string>> tags_by_id;
    for (size_t r = 0; r < ids.size(); ++r) {
      auto& tags = tags_by_id[ids[r]];
      for (int32_t i = tag_map.offsets[r]; i < tag_map.offsets[r + 1]; ++i)
        tags[std::string(tag_map.keys.at(i))] = tag_map.values.at(i);
    }
    const auto& cols = batch.points().columns();
    const auto& metric = std::get<StringColumn>(cols[0].data);
    const auto& id = std::get<FixedColumn<uint64_t>>(cols[1].data).values;
    const auto& ts = std::get<TimestampColumn>(cols[2].data).values;
    const auto& value = std::get<FixedColumn<double>>(cols[3].data).values;
    const auto& weight = std::get<FixedColumn<uint64_t>>(cols[4].data).values;
    const auto& kind = std::get<StringColumn>(cols[5].data);
    for (size_t r = 0; r < batch.size(); ++r)
      points.push_back({std::string(metric.at(r)), tags_by_id[id[r]], std::string(kind.at(r)),
                        ts[r] / 1'000'000, value[r], weight[r]});
    return {};
  }

  core::Status consume_rum(pipeline::RumBatch&&) override { return {}; }
  core::Status consume_events(pipeline::EventBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++event_batches;
    using namespace store;
    const auto& cols = batch.columns().columns();
    const auto& ts = std::get<TimestampColumn>(cols[0].data).values;
    const auto& tag_map = std::get<MapColumn>(cols[10].data);
    auto str = [&](size_t c, size_t r) {
      return std::string(std::get<StringColumn>(cols[c].data).at(r));
    };
    for (size_t r = 0; r < batch.size(); ++r) {
      CapturedEvent e{ts[r] / 1'000'000, str(1, r), str(2, r), str(3, r), str(4, r), str(5, r),
                      str(6, r),         str(7, r), str(8, r), str(9, r), {}};
      for (int32_t i = tag_map.offsets[r]; i < tag_map.offsets[r + 1]; ++i)
        e.tags[std::string(tag_map.keys.at(i))] = tag_map.values.at(i);
      events.push_back(std::move(e));
    }
    return {};
  }

  // The points of one metric whose tags include every given tag.
  std::vector<CapturedPoint> find(const std::string& metric,
                                  const std::map<std::string, std::string>& tags = {}) const {
    std::vector<CapturedPoint> out;
    for (const auto& p : points) {
      if (p.metric != metric) continue;
      bool match = true;
      for (const auto& [k, v] : tags) {
        auto it = p.tags.find(k);
        if (it == p.tags.end() || it->second != v) match = false;
      }
      if (match) out.push_back(p);
    }
    return out;
  }
};

}  // namespace heeler::intake
