// Test helpers: msgpack payloads shaped like dd-trace's (array32/map32 headers,
// fixed-width integers) and owned copies of the records the decoders emit.
#pragma once

#define MSGPACK_NO_BOOST
#include <cstdint>
#include <map>
#include <msgpack.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/signals.h"

namespace heeler::intake {

using Packer = msgpack::packer<msgpack::sbuffer>;

inline void array32(msgpack::sbuffer& buf, uint32_t n) {
  const char header[5] = {'\xdd', char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  buf.write(header, 5);
}

inline void map32(msgpack::sbuffer& buf, uint32_t n) {
  const char header[5] = {'\xdf', char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  buf.write(header, 5);
}

inline void str32(msgpack::sbuffer& buf, const std::string& s) {
  const auto n = static_cast<uint32_t>(s.size());
  const char header[5] = {'\xdb', char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  buf.write(header, 5);
  buf.write(s.data(), s.size());
}

// A span as a test describes it; both wire forms are produced from it.
struct TestSpan {
  uint64_t trace_id = 0, span_id = 0, parent_id = 0;
  int64_t start = 0;
  uint64_t duration = 0;
  int error = 0;
  std::string name, resource, service, type;
  std::vector<std::pair<std::string, std::string>> meta;
  std::vector<std::pair<std::string, double>> metrics;
};
using TestTrace = std::vector<TestSpan>;

inline void pack_metric(Packer& pk, double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)))
    pk.pack(static_cast<int64_t>(v));  // smallest int encoding, as dd-trace does
  else
    pk.pack_double(v);
}

inline std::string encode_v04(const std::vector<TestTrace>& traces) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  array32(buf, static_cast<uint32_t>(traces.size()));
  for (const TestTrace& trace : traces) {
    array32(buf, static_cast<uint32_t>(trace.size()));
    for (const TestSpan& s : trace) {
      pk.pack_map(s.type.empty() ? 11 : 12);
      if (!s.type.empty()) pk.pack("type"), pk.pack(s.type);
      pk.pack("trace_id"), pk.pack_fix_uint64(s.trace_id);
      pk.pack("span_id"), pk.pack_fix_uint64(s.span_id);
      pk.pack("parent_id"), pk.pack_fix_uint64(s.parent_id);
      pk.pack("name"), pk.pack(s.name);
      pk.pack("resource"), str32(buf, s.resource);
      pk.pack("service"), pk.pack(s.service);
      pk.pack("error"), pk.pack(s.error);
      pk.pack("start"), pk.pack_fix_uint64(static_cast<uint64_t>(s.start));
      pk.pack("duration"), pk.pack(s.duration);
      pk.pack("meta");
      map32(buf, static_cast<uint32_t>(s.meta.size()));
      for (const auto& [k, v] : s.meta) pk.pack(k), pk.pack(v);
      pk.pack("metrics");
      map32(buf, static_cast<uint32_t>(s.metrics.size()));
      for (const auto& [k, v] : s.metrics) pk.pack(k), pack_metric(pk, v);
    }
  }
  return std::string(buf.data(), buf.size());
}

inline std::string encode_v05(const std::vector<TestTrace>& traces) {
  std::vector<std::string> table{""};
  std::map<std::string, uint32_t> index{{"", 0}};
  auto intern = [&](const std::string& s) {
    auto [it, added] = index.emplace(s, static_cast<uint32_t>(table.size()));
    if (added) table.push_back(s);
    return it->second;
  };
  for (const TestTrace& trace : traces)
    for (const TestSpan& s : trace) {
      intern(s.service), intern(s.name), intern(s.resource), intern(s.type);
      for (const auto& [k, v] : s.meta) intern(k), intern(v);
      for (const auto& kv : s.metrics) intern(kv.first);
    }
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(2);
  array32(buf, static_cast<uint32_t>(table.size()));
  for (const std::string& s : table) pk.pack(s);
  array32(buf, static_cast<uint32_t>(traces.size()));
  for (const TestTrace& trace : traces) {
    array32(buf, static_cast<uint32_t>(trace.size()));
    for (const TestSpan& s : trace) {
      pk.pack_array(12);
      pk.pack_fix_uint32(intern(s.service));
      pk.pack_fix_uint32(intern(s.name));
      pk.pack_fix_uint32(intern(s.resource));
      pk.pack_fix_uint64(s.trace_id);
      pk.pack_fix_uint64(s.span_id);
      pk.pack_fix_uint64(s.parent_id);
      pk.pack_fix_uint64(static_cast<uint64_t>(s.start));
      pk.pack_fix_uint32(static_cast<uint32_t>(s.duration));
      pk.pack(s.error);
      map32(buf, static_cast<uint32_t>(s.meta.size()));
      for (const auto& [k, v] : s.meta)
        pk.pack_fix_uint32(intern(k)), pk.pack_fix_uint32(intern(v));
      map32(buf, static_cast<uint32_t>(s.metrics.size()));
      for (const auto& [k, v] : s.metrics) pk.pack_fix_uint32(intern(k)), pack_metric(pk, v);
      pk.pack_fix_uint32(intern(s.type));
    }
  }
  return std::string(buf.data(), buf.size());
}

// The dd-trace sample's shape: a web root with a 128-bit id, a child of another
// service, an error child without a type, and a second trace.
inline std::vector<TestTrace> sample_traces() {
  const std::vector<std::pair<std::string, std::string>> common = {
      {"team", "obs"},
      {"service", "capture-svc"},
      {"env", "capture-env"},
      {"version", "1.2.3"},
      {"runtime-id", "da8ef66a-6e02-49a6-9057-ef16bc6a6d3e"},
      {"language", "javascript"}};
  TestSpan root{3083940903053168826ull,
                3083940903053168826ull,
                0,
                1795318795855025152,
                1078613,
                0,
                "web.request",
                "GET /users/:id",
                "capture-svc",
                "web",
                {},
                {}};
  root.meta = {{"_dd.p.tid", "6b02640b00000000"}, {"_dd.p.dm", "-0"}};
  root.meta.insert(root.meta.end(), common.begin(), common.end());
  root.meta.push_back({"http.status_code", "200"});
  root.meta.push_back({"span.kind", "server"});
  root.metrics = {{"_dd.agent_psr", 1},
                  {"custom.num", 42.5},
                  {"process_id", 9874},
                  {"_sampling_priority_v1", 1}};
  TestSpan db{3083940903053168826ull,
              853699587473864551ull,
              3083940903053168826ull,
              1795318795855352576,
              186279,
              0,
              "db.query",
              "SELECT * FROM users WHERE id = ?",
              "capture-db",
              "sql",
              common,
              {}};
  db.meta.push_back({"_dd.base_service", "capture-svc"});
  db.metrics = {{"db.rows", 3}, {"neg", -70000}};
  TestSpan fail{3083940903053168826ull,
                6975253298331554002ull,
                3083940903053168826ull,
                1795318795855791104,
                284180,
                1,
                "failing.op",
                "do_fail",
                "capture-svc",
                "",
                common,
                {}};
  fail.meta.push_back({"error.message", "boom"});
  fail.meta.push_back({"error.type", "Error"});
  fail.meta.push_back({"error.stack", "Error: boom\n    at x.js:1:1"});
  fail.meta.push_back({"_dd.hostname", "span-host"});
  TestSpan other{42,
                 43,
                 0,
                 1795318796000000000,
                 5,
                 0,
                 "worker.run",
                 "",
                 "",
                 "worker",
                 {{"service", "fallback-svc"}, {"env", "other-env"}},
                 {}};
  return {{root, db, fail}, {other}};
}

// An owned copy of a SpanRecord.
struct CapturedSpan {
  int64_t timestamp_ns = 0;
  uint64_t duration_ns = 0;
  pipeline::TraceId trace_id{};
  pipeline::SpanId span_id{}, parent_span_id{};
  std::string service, env, version, host, name, resource, kind, type;
  uint8_t status_code = 0;
  bool error = false;
  std::string status_message;
  std::map<std::string, std::string> attributes;
  std::map<std::string, double> metrics;
  bool operator==(const CapturedSpan&) const = default;

  static CapturedSpan of(const pipeline::SpanRecord& r) {
    CapturedSpan c{r.timestamp_ns,
                   r.duration_ns,
                   r.trace_id,
                   r.span_id,
                   r.parent_span_id,
                   std::string(r.service),
                   std::string(r.env),
                   std::string(r.version),
                   std::string(r.host),
                   std::string(r.name),
                   std::string(r.resource),
                   std::string(r.kind),
                   std::string(r.type),
                   r.status_code,
                   r.error,
                   std::string(r.status_message),
                   {},
                   {}};
    for (const auto& a : r.attributes) c.attributes[std::string(a.key)] = std::string(a.value);
    for (const auto& m : r.metrics) c.metrics[std::string(m.key)] = m.value;
    return c;
  }
};

inline std::ostream& operator<<(std::ostream& os, const CapturedSpan& s) {
  return os << "span{" << s.service << " " << s.name << " " << s.resource << " " << s.timestamp_ns
            << "}";
}

}  // namespace heeler::intake
