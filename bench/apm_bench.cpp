// Datadog tracer payload decoding: spans per second per core from a realistic v0.4
// payload (100 traces × 10 spans, dd-trace's array32/map32 headers, ~14 meta and 5
// metrics per span) into a pipeline::SpanBatch, against msgpack-cxx unpacking the same
// bytes into its object tree only. Median of 9 rounds of each, interleaved.
#define MSGPACK_NO_BOOST
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "intake/datadog_apm/apm_decode.h"

namespace {

using Clock = std::chrono::steady_clock;
using Packer = msgpack::packer<msgpack::sbuffer>;

constexpr int kTraces = 100;
constexpr int kSpansPerTrace = 10;
constexpr int kRounds = 9;
constexpr int kIterations = 200;  // payload decodes per round

void header32(msgpack::sbuffer& buf, char tag, uint32_t n) {
  const char h[5] = {tag, char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  buf.write(h, 5);
}

std::string realistic_payload() {
  msgpack::sbuffer buf;
  Packer pk(buf);
  header32(buf, '\xdd', kTraces);
  uint64_t id = 0x2acd8f3e1b9a4c77ull;
  for (int t = 0; t < kTraces; ++t) {
    header32(buf, '\xdd', kSpansPerTrace);
    const uint64_t trace_id = ++id * 2654435761ull;
    const uint64_t root_id = trace_id;
    for (int s = 0; s < kSpansPerTrace; ++s) {
      const bool root = s == 0;
      pk.pack_map(12);
      pk.pack("type"), pk.pack(root ? "web" : (s % 3 == 0 ? "sql" : "http"));
      pk.pack("trace_id"), pk.pack_fix_uint64(trace_id);
      pk.pack("span_id"), pk.pack_fix_uint64(root ? root_id : ++id * 40503ull);
      pk.pack("parent_id"), pk.pack_fix_uint64(root ? 0 : root_id);
      pk.pack("name"), pk.pack(root ? "web.request" : (s % 3 == 0 ? "pg.query" : "http.request"));
      pk.pack("resource"), pk.pack(root ? "GET /users/:id"
                                        : (s % 3 == 0 ? "SELECT * FROM users WHERE id = $1"
                                                      : "GET /api/v2/inventory/items"));
      pk.pack("service"), pk.pack(s % 3 == 0 && !root ? "checkout-postgres" : "checkout");
      pk.pack("error"), pk.pack(s == 7 ? 1 : 0);
      pk.pack("start"),
          pk.pack_fix_uint64(1795318795855025152ull + uint64_t(t) * 1000000 + uint64_t(s) * 1000);
      pk.pack("duration"), pk.pack(uint32_t(186279 + s * 1000));
      pk.pack("meta");
      const int meta = root ? 16 : (s == 7 ? 15 : 12);
      header32(buf, '\xdf', meta);
      if (root) {
        pk.pack("_dd.p.tid"), pk.pack("6b02640b00000000");
        pk.pack("_dd.p.dm"), pk.pack("-0");
        pk.pack("span.kind"), pk.pack("server");
        pk.pack("_dd.tags.process"), pk.pack(
                                         "entrypoint.basedir:app,entrypoint.name:server,entrypoint."
                                         "type:script,svc.user:true");
      }
      if (s == 7) {
        pk.pack("error.message"), pk.pack("connect ECONNREFUSED 10.0.0.7:5432");
        pk.pack("error.type"), pk.pack("Error");
        pk.pack("error.stack"), pk.pack(
                                    "Error: connect ECONNREFUSED 10.0.0.7:5432\n    at "
                                    "TCPConnectWrap.afterConnect [as oncomplete] "
                                    "(node:net:1555:16)");
      }
      pk.pack("service"), pk.pack("checkout");
      pk.pack("env"), pk.pack("production");
      pk.pack("version"), pk.pack("2.14.1");
      pk.pack("runtime-id"), pk.pack("da8ef66a-6e02-49a6-9057-ef16bc6a6d3e");
      pk.pack("language"), pk.pack("javascript");
      pk.pack("_dd.integration"), pk.pack(s % 3 == 0 ? "pg" : "http");
      pk.pack("http.method"), pk.pack("GET");
      pk.pack("http.status_code"), pk.pack("200");
      pk.pack("http.url"),
          pk.pack("http://inventory.internal:8080/api/v2/inventory/items?limit=50");
      pk.pack("company_id"), pk.pack("c-" + std::to_string(t % 17));
      pk.pack("customer_id"), pk.pack("cust-" + std::to_string(t * 31 + s));
      pk.pack("team"), pk.pack("payments");
      pk.pack("metrics");
      header32(buf, '\xdf', 5);
      pk.pack("_sampling_priority_v1"), pk.pack(1);
      pk.pack("_dd.measured"), pk.pack(1);
      pk.pack("process_id"), pk.pack(uint16_t(9874));
      pk.pack("cart.total"), pk.pack_double(42.5 + s);
      pk.pack("_dd.top_level"), pk.pack(root ? 1 : 0);
    }
  }
  return std::string(buf.data(), buf.size());
}

bool reference_all(msgpack::type::object_type, size_t, void*) {
  return true;
}

template <typename F>
double seconds(F&& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  using namespace heeler;
  const std::string payload = realistic_payload();
  const size_t spans_per_payload = size_t(kTraces) * kSpansPerTrace;

  size_t checked = 0;
  std::vector<double> decode_times, walk_times, unpack_times;
  for (int round = 0; round < kRounds; ++round) {
    decode_times.push_back(seconds([&] {
      for (int i = 0; i < kIterations; ++i) {
        pipeline::SpanBatch batch;
        core::Status status =
            intake::decode_traces(intake::TraceFormat::v04, payload, {},
                                  [&](const pipeline::SpanRecord& r) { batch.append(r); });
        if (!status.ok() || batch.size() != spans_per_payload) {
          fmt::print(stderr, "apm_bench: decode failed: {}\n", status.to_string());
          std::exit(1);
        }
        checked += batch.size();
      }
    }));
    walk_times.push_back(seconds([&] {
      for (int i = 0; i < kIterations; ++i) {
        size_t n = 0;
        core::Status status = intake::decode_traces(
            intake::TraceFormat::v04, payload, {},
            [&](const pipeline::SpanRecord& r) { n += r.attributes.size() > 0; });
        checked += status.ok() ? n : 0;
      }
    }));
    unpack_times.push_back(seconds([&] {
      for (int i = 0; i < kIterations; ++i) {
        msgpack::object_handle handle =
            msgpack::unpack(payload.data(), payload.size(), reference_all);
        checked += handle.get().via.array.size;
      }
    }));
  }
  const double decode = median(decode_times) / kIterations;
  const double walk = median(walk_times) / kIterations;
  const double unpack = median(unpack_times) / kIterations;
  const double spans = double(spans_per_payload);

  fmt::print(
      "\n## Datadog v0.4 traces decode ({} spans, {:.0f} KB payload, median of {} rounds × {})\n\n",
      spans_per_payload, payload.size() / 1024.0, kRounds, kIterations);
  fmt::print("| path | per payload | spans/s/core | MB/s |\n|---|---|---|---|\n");
  fmt::print(
      "| (a) decode_traces → SpanBatch (check, unpack, walk, append) | {:.3f} ms | {:.2f}M | "
      "{:.0f} |\n",
      decode * 1e3, spans / decode / 1e6, payload.size() / decode / 1e6);
  fmt::print(
      "| (c) decode_traces, records dropped (check, unpack, walk) | {:.3f} ms | {:.2f}M | {:.0f} "
      "|\n",
      walk * 1e3, spans / walk / 1e6, payload.size() / walk / 1e6);
  fmt::print("| (b) msgpack-cxx unpack to its object tree only | {:.3f} ms | {:.2f}M | {:.0f} |\n",
             unpack * 1e3, spans / unpack / 1e6, payload.size() / unpack / 1e6);
  fmt::print("\n| ratio | value |\n|---|---|\n");
  fmt::print("| (a)/(b) time: full decode against the bare unpack | {:.2f} |\n", decode / unpack);
  fmt::print("| (c)/(b) time: decoding without building columns | {:.2f} |\n", walk / unpack);
  fmt::print("\n({} spans checked)\n", checked);
  return 0;
}
