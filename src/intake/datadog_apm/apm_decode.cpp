#include "intake/datadog_apm/apm_decode.h"

#define MSGPACK_NO_BOOST
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <msgpack.hpp>
#include <string>
#include <vector>

namespace heeler::intake {
namespace {

using core::Code;
using msgpack::object;
using msgpack::type::object_type;

constexpr size_t kMaxDepth = 16;

core::Status invalid(std::string message) {
  return {Code::invalid_argument, std::move(message)};
}

// Walks the raw bytes once, without allocating per element: rejects truncation, the
// reserved byte, containers that declare more elements than bytes remain, nesting
// deeper than kMaxDepth and trailing bytes. After this, unpacking cannot over-allocate.
core::Status check_structure(std::string_view body) {
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  const size_t n = body.size();
  size_t i = 0;
  std::vector<uint64_t> pending{1};
  auto read_be = [&](size_t bytes) {
    uint64_t v = 0;
    for (size_t k = 0; k < bytes; ++k) v = (v << 8) | p[i++];
    return v;
  };
  while (!pending.empty()) {
    if (pending.back() == 0) {
      pending.pop_back();
      continue;
    }
    --pending.back();
    if (i >= n) return invalid(fmt::format("payload truncated at byte {}", i));
    const size_t at = i;
    const uint8_t b = p[i++];
    uint64_t len = 0;    // bytes of payload after the header
    uint64_t items = 0;  // elements of a container
    bool container = false;
    size_t header = 0;  // length-field bytes
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
    } else if (b <= 0x8f) {
      items = 2u * (b & 0x0f), container = true;
    } else if (b <= 0x9f) {
      items = b & 0x0f, container = true;
    } else if (b <= 0xbf) {
      len = b & 0x1f;
    } else {
      switch (b) {
        case 0xc4:
        case 0xd9:
          header = 1;
          break;
        case 0xc5:
        case 0xda:
          header = 2;
          break;
        case 0xc6:
        case 0xdb:
          header = 4;
          break;
        case 0xc7:
          header = 1, len = 1;
          break;
        case 0xc8:
          header = 2, len = 1;
          break;
        case 0xc9:
          header = 4, len = 1;
          break;
        case 0xca:
          len = 4;
          break;
        case 0xcb:
          len = 8;
          break;
        case 0xcc:
        case 0xd0:
          len = 1;
          break;
        case 0xcd:
        case 0xd1:
          len = 2;
          break;
        case 0xce:
        case 0xd2:
          len = 4;
          break;
        case 0xcf:
        case 0xd3:
          len = 8;
          break;
        case 0xd4:
          len = 2;
          break;
        case 0xd5:
          len = 3;
          break;
        case 0xd6:
          len = 5;
          break;
        case 0xd7:
          len = 9;
          break;
        case 0xd8:
          len = 17;
          break;
        case 0xdc:
        case 0xde:
          header = 2, container = true;
          break;
        case 0xdd:
        case 0xdf:
          header = 4, container = true;
          break;
        default:
          return invalid(fmt::format("invalid msgpack byte 0x{:02x} at byte {}", b, at));
      }
      if (header > n - i) return invalid(fmt::format("payload truncated at byte {}", i));
      const uint64_t value = read_be(header);
      if (container) {
        items = (b == 0xde || b == 0xdf) ? 2 * value : value;
      } else {
        len += value;
      }
    }
    if (container) {
      if (items > n - i)
        return invalid(fmt::format(
            "container at byte {} declares {} elements, more than the payload holds", at, items));
      if (pending.size() > kMaxDepth)
        return invalid(
            fmt::format("payload nested deeper than {} levels at byte {}", kMaxDepth, at));
      pending.push_back(items);
    } else {
      if (len > n - i) return invalid(fmt::format("payload truncated at byte {}", i));
      i += len;
    }
  }
  if (i != n)
    return invalid(fmt::format("{} trailing bytes after the payload at byte {}", n - i, i));
  return {};
}

bool reference_all(object_type, size_t, void*) {
  return true;
}

// Unpacks a checked payload; strings point into `body`.
core::Status unpack(std::string_view body, msgpack::object_handle& out) {
  HEELER_RETURN_IF_ERROR(check_structure(body));
  try {
    msgpack::unpack_limit limit(
        std::numeric_limits<uint32_t>::max(), std::numeric_limits<uint32_t>::max(),
        std::numeric_limits<uint32_t>::max(), std::numeric_limits<uint32_t>::max(),
        std::numeric_limits<uint32_t>::max(), kMaxDepth + 1);
    out = msgpack::unpack(body.data(), body.size(), reference_all, nullptr, limit);
  } catch (const std::exception& e) {
    return invalid(fmt::format("malformed msgpack: {}", e.what()));
  }
  return {};
}

bool get_str(const object& o, std::string_view& out) {
  if (o.type == object_type::STR) {
    out = std::string_view(o.via.str.ptr, o.via.str.size);
    return true;
  }
  if (o.type == object_type::NIL) {
    out = {};
    return true;
  }
  return false;
}

// Ids and unsigned fields: any integer width; a negative int64 keeps its bits.
bool get_u64(const object& o, uint64_t& out) {
  if (o.type == object_type::POSITIVE_INTEGER) {
    out = o.via.u64;
    return true;
  }
  if (o.type == object_type::NEGATIVE_INTEGER) {
    out = static_cast<uint64_t>(o.via.i64);
    return true;
  }
  return false;
}

bool get_i64(const object& o, int64_t& out) {
  if (o.type == object_type::POSITIVE_INTEGER &&
      o.via.u64 <= uint64_t(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(o.via.u64);
    return true;
  }
  if (o.type == object_type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return true;
  }
  return false;
}

bool get_number(const object& o, double& out) {
  switch (o.type) {
    case object_type::POSITIVE_INTEGER:
      out = static_cast<double>(o.via.u64);
      return true;
    case object_type::NEGATIVE_INTEGER:
      out = static_cast<double>(o.via.i64);
      return true;
    case object_type::FLOAT32:
    case object_type::FLOAT64:
      out = o.via.f64;
      return true;
    default:
      return false;
  }
}

bool get_flag(const object& o, int64_t& out) {
  if (o.type == object_type::BOOLEAN) {
    out = o.via.boolean ? 1 : 0;
    return true;
  }
  return get_i64(o, out);
}

uint64_t parse_tid(std::string_view hex) {
  uint64_t v = 0;
  if (hex.empty() || hex.size() > 16) return 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  return (ec == std::errc() && end == hex.data() + hex.size()) ? v : 0;
}

// One span's fields before they become a SpanRecord; reused across spans.
struct SpanFields {
  uint64_t trace_low = 0, span_id = 0, parent_id = 0, duration = 0;
  int64_t start = 0, error = 0;
  std::string_view name, resource, service, type;
  std::string_view env, version, kind, hostname, meta_service, base_service, error_message;
  std::vector<pipeline::Attribute> attributes;
  std::vector<pipeline::NumericAttribute> metrics;

  void reset() {
    std::vector<pipeline::Attribute> a = std::move(attributes);
    std::vector<pipeline::NumericAttribute> m = std::move(metrics);
    *this = SpanFields{};
    a.clear();
    m.clear();
    attributes = std::move(a);
    metrics = std::move(m);
  }

  void add_meta(std::string_view key, std::string_view value) {
    if (key == "env") {
      env = value;
      return;
    }
    if (key == "version") {
      version = value;
      return;
    }
    if (key == "span.kind") {
      kind = value;
      return;
    }
    if (key == "_dd.hostname") {
      hostname = value;
      return;
    }
    if (key == "service") meta_service = value;
    if (key == "_dd.base_service") base_service = value;
    if (key == "error.message") error_message = value;
    attributes.push_back({key, value});
  }

  void emit(uint64_t high, const TraceDecodeOptions& options, const SpanSink& sink) const {
    pipeline::SpanRecord r;
    r.timestamp_ns = start;
    r.duration_ns = duration;
    r.trace_id = pipeline::trace_id_from_u64(high, trace_low);
    r.span_id = pipeline::span_id_from_u64(span_id);
    r.parent_span_id = pipeline::span_id_from_u64(parent_id);
    r.service = !service.empty() ? service : !meta_service.empty() ? meta_service : base_service;
    r.env = env;
    r.version = version;
    r.host = !hostname.empty() ? hostname : options.host;
    r.name = name;
    r.resource = resource;
    r.kind = kind;
    r.type = type;
    r.error = error != 0;
    if (r.error) {
      r.status_code = 2;
      r.status_message = error_message;
    }
    r.attributes = attributes;
    r.metrics = metrics;
    sink(r);
  }
};

const object* map_find(const object& map, std::string_view key) {
  if (map.type != object_type::MAP) return nullptr;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type == object_type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key)
      return &kv.val;
  }
  return nullptr;
}

class Decoder {
 public:
  Decoder(const TraceDecodeOptions& options, const SpanSink& sink)
      : options_(options), sink_(sink) {}

  core::Status v04(const object& root) {
    if (root.type != object_type::ARRAY) return invalid("payload is not an array of traces");
    HEELER_RETURN_IF_ERROR(count_spans(root));
    for (uint32_t t = 0; t < root.via.array.size; ++t) {
      const object& trace = root.via.array.ptr[t];
      uint64_t high = 0;
      for (uint32_t s = 0; s < trace.via.array.size && high == 0; ++s) {
        const object* meta = map_find(trace.via.array.ptr[s], "meta");
        const object* tid = meta ? map_find(*meta, "_dd.p.tid") : nullptr;
        if (tid && tid->type == object_type::STR)
          high = parse_tid({tid->via.str.ptr, tid->via.str.size});
      }
      for (uint32_t s = 0; s < trace.via.array.size; ++s) {
        HEELER_RETURN_IF_ERROR(v04_span(trace.via.array.ptr[s], t, s));
        span_.emit(high, options_, sink_);
      }
    }
    return {};
  }

  core::Status v05(const object& root) {
    if (root.type != object_type::ARRAY || root.via.array.size != 2)
      return invalid("payload is not a [strings, traces] array");
    const object& table = root.via.array.ptr[0];
    if (table.type != object_type::ARRAY) return invalid("string table is not an array");
    for (uint32_t i = 0; i < table.via.array.size; ++i)
      if (table.via.array.ptr[i].type != object_type::STR)
        return invalid(fmt::format("string table entry {} is not a string", i));
    strings_ = &table.via.array;
    const object& traces = root.via.array.ptr[1];
    if (traces.type != object_type::ARRAY) return invalid("payload is not an array of traces");
    HEELER_RETURN_IF_ERROR(count_spans(traces));
    for (uint32_t t = 0; t < traces.via.array.size; ++t) {
      const object& trace = traces.via.array.ptr[t];
      uint64_t high = 0;
      for (uint32_t s = 0; s < trace.via.array.size; ++s)
        HEELER_RETURN_IF_ERROR(v05_span(trace.via.array.ptr[s], t, s, high));
      // Second pass now that the chunk's `_dd.p.tid` is known; the spans are valid.
      for (uint32_t s = 0; s < trace.via.array.size; ++s) {
        uint64_t unused = 0;
        HEELER_RETURN_IF_ERROR(v05_span(trace.via.array.ptr[s], t, s, unused));
        span_.emit(high, options_, sink_);
      }
    }
    return {};
  }

 private:
  core::Status count_spans(const object& traces) {
    size_t total = 0;
    for (uint32_t t = 0; t < traces.via.array.size; ++t) {
      const object& trace = traces.via.array.ptr[t];
      if (trace.type != object_type::ARRAY)
        return invalid(fmt::format("trace {} is not an array of spans", t));
      total += trace.via.array.size;
    }
    if (total > options_.max_spans)
      return {Code::payload_too_large,
              fmt::format("payload holds {} spans, more than the limit of {}", total,
                          options_.max_spans)};
    return {};
  }

  static core::Status bad(uint32_t t, uint32_t s, std::string_view field,
                          std::string_view expected) {
    return invalid(fmt::format("trace {} span {}: field '{}' is not {}", t, s, field, expected));
  }

  core::Status v04_span(const object& span, uint32_t t, uint32_t s) {
    if (span.type != object_type::MAP)
      return invalid(fmt::format("trace {} span {} is not a map", t, s));
    span_.reset();
    for (uint32_t i = 0; i < span.via.map.size; ++i) {
      const auto& kv = span.via.map.ptr[i];
      std::string_view key;
      if (kv.key.type != object_type::STR || !get_str(kv.key, key))
        return invalid(fmt::format("trace {} span {}: key {} is not a string", t, s, i));
      const object& v = kv.val;
      bool ok = true;
      std::string_view expected = "a string";
      if (key == "trace_id") {
        ok = get_u64(v, span_.trace_low), expected = "an integer";
      } else if (key == "span_id") {
        ok = get_u64(v, span_.span_id), expected = "an integer";
      } else if (key == "parent_id") {
        ok = v.type == object_type::NIL || get_u64(v, span_.parent_id), expected = "an integer";
      } else if (key == "start") {
        ok = get_i64(v, span_.start), expected = "an integer";
      } else if (key == "duration") {
        ok = get_u64(v, span_.duration), expected = "an integer";
      } else if (key == "error") {
        ok = get_flag(v, span_.error), expected = "an integer";
      } else if (key == "name") {
        ok = get_str(v, span_.name);
      } else if (key == "resource") {
        ok = get_str(v, span_.resource);
      } else if (key == "service") {
        ok = get_str(v, span_.service);
      } else if (key == "type") {
        ok = get_str(v, span_.type);
      } else if (key == "meta") {
        if (v.type == object_type::NIL) continue;
        if (v.type != object_type::MAP) return bad(t, s, key, "a map");
        for (uint32_t m = 0; m < v.via.map.size; ++m) {
          std::string_view mk, mv;
          if (!get_str(v.via.map.ptr[m].key, mk) || !get_str(v.via.map.ptr[m].val, mv))
            return invalid(fmt::format(
                "trace {} span {}: field 'meta' entry {} is not string → string", t, s, m));
          span_.add_meta(mk, mv);
        }
      } else if (key == "metrics") {
        if (v.type == object_type::NIL) continue;
        if (v.type != object_type::MAP) return bad(t, s, key, "a map");
        for (uint32_t m = 0; m < v.via.map.size; ++m) {
          std::string_view mk;
          double mv = 0;
          if (!get_str(v.via.map.ptr[m].key, mk) || !get_number(v.via.map.ptr[m].val, mv))
            return invalid(fmt::format(
                "trace {} span {}: field 'metrics' entry {} is not string → number", t, s, m));
          span_.metrics.push_back({mk, mv});
        }
      }
      if (!ok) return bad(t, s, key, expected);
    }
    return {};
  }

  bool lookup(const object& o, std::string_view& out) const {
    if (o.type != object_type::POSITIVE_INTEGER || o.via.u64 >= strings_->size) return false;
    const object& str = strings_->ptr[o.via.u64];
    out = std::string_view(str.via.str.ptr, str.via.str.size);
    return true;
  }

  core::Status v05_span(const object& span, uint32_t t, uint32_t s, uint64_t& high) {
    if (span.type != object_type::ARRAY || span.via.array.size != 12)
      return invalid(fmt::format("trace {} span {} is not a 12-element array", t, s));
    const object* f = span.via.array.ptr;
    span_.reset();
    auto index = [&](const object& o, std::string_view& out,
                     std::string_view field) -> core::Status {
      if (!lookup(o, out)) return bad(t, s, field, "a string table index");
      return {};
    };
    HEELER_RETURN_IF_ERROR(index(f[0], span_.service, "service"));
    HEELER_RETURN_IF_ERROR(index(f[1], span_.name, "name"));
    HEELER_RETURN_IF_ERROR(index(f[2], span_.resource, "resource"));
    if (!get_u64(f[3], span_.trace_low)) return bad(t, s, "trace_id", "an integer");
    if (!get_u64(f[4], span_.span_id)) return bad(t, s, "span_id", "an integer");
    if (!get_u64(f[5], span_.parent_id)) return bad(t, s, "parent_id", "an integer");
    if (!get_i64(f[6], span_.start)) return bad(t, s, "start", "an integer");
    if (!get_u64(f[7], span_.duration)) return bad(t, s, "duration", "an integer");
    if (!get_flag(f[8], span_.error)) return bad(t, s, "error", "an integer");
    if (f[9].type != object_type::MAP) return bad(t, s, "meta", "a map");
    for (uint32_t m = 0; m < f[9].via.map.size; ++m) {
      std::string_view mk, mv;
      if (!lookup(f[9].via.map.ptr[m].key, mk) || !lookup(f[9].via.map.ptr[m].val, mv))
        return invalid(
            fmt::format("trace {} span {}: field 'meta' entry {} is not index → index", t, s, m));
      if (mk == "_dd.p.tid" && high == 0) high = parse_tid(mv);
      span_.add_meta(mk, mv);
    }
    if (f[10].type != object_type::MAP) return bad(t, s, "metrics", "a map");
    for (uint32_t m = 0; m < f[10].via.map.size; ++m) {
      std::string_view mk;
      double mv = 0;
      if (!lookup(f[10].via.map.ptr[m].key, mk) || !get_number(f[10].via.map.ptr[m].val, mv))
        return invalid(fmt::format(
            "trace {} span {}: field 'metrics' entry {} is not index → number", t, s, m));
      span_.metrics.push_back({mk, mv});
    }
    return index(f[11], span_.type, "type");
  }

  const TraceDecodeOptions& options_;
  const SpanSink& sink_;
  const msgpack::object_array* strings_ = nullptr;
  SpanFields span_;
};

struct StatsGroup {
  std::string_view service, name, resource, type;
  int64_t http_status = 0;
  uint64_t hits = 0, errors = 0, duration = 0;
};

core::Status stats_group(const object& g, size_t b, size_t i, StatsGroup& out) {
  if (g.type != object_type::MAP)
    return invalid(fmt::format("Stats[{}].Stats[{}] is not a map", b, i));
  for (uint32_t k = 0; k < g.via.map.size; ++k) {
    std::string_view key;
    if (!get_str(g.via.map.ptr[k].key, key))
      return invalid(fmt::format("Stats[{}].Stats[{}]: key {} is not a string", b, i, k));
    const object& v = g.via.map.ptr[k].val;
    bool ok = true;
    if (key == "Service")
      ok = get_str(v, out.service);
    else if (key == "Name")
      ok = get_str(v, out.name);
    else if (key == "Resource")
      ok = get_str(v, out.resource);
    else if (key == "Type")
      ok = get_str(v, out.type);
    else if (key == "HTTPStatusCode")
      ok = get_i64(v, out.http_status);
    else if (key == "Hits")
      ok = get_u64(v, out.hits);
    else if (key == "Errors")
      ok = get_u64(v, out.errors);
    else if (key == "Duration")
      ok = get_u64(v, out.duration);
    if (!ok)
      return invalid(fmt::format("Stats[{}].Stats[{}]: field '{}' has the wrong type", b, i, key));
  }
  if (out.name.empty())
    return invalid(fmt::format("Stats[{}].Stats[{}]: field 'Name' is missing", b, i));
  return {};
}

}  // namespace

core::Status decode_traces(TraceFormat format, std::string_view body,
                           const TraceDecodeOptions& options, const SpanSink& sink) {
  if (body.empty()) return {};
  msgpack::object_handle handle;
  HEELER_RETURN_IF_ERROR(unpack(body, handle));
  Decoder decoder(options, sink);
  return format == TraceFormat::v04 ? decoder.v04(handle.get()) : decoder.v05(handle.get());
}

core::Status decode_stats(std::string_view body, std::string_view host, const MetricSink& sink) {
  msgpack::object_handle handle;
  HEELER_RETURN_IF_ERROR(unpack(body, handle));
  const object& root = handle.get();
  if (root.type != object_type::MAP) return invalid("stats payload is not a map");
  std::string_view hostname, env, version;
  const object* buckets = nullptr;
  for (uint32_t k = 0; k < root.via.map.size; ++k) {
    std::string_view key;
    if (!get_str(root.via.map.ptr[k].key, key))
      return invalid(fmt::format("key {} is not a string", k));
    const object& v = root.via.map.ptr[k].val;
    bool ok = true;
    if (key == "Hostname")
      ok = get_str(v, hostname);
    else if (key == "Env")
      ok = get_str(v, env);
    else if (key == "Version")
      ok = get_str(v, version);
    else if (key == "Stats")
      ok = (buckets = &v)->type == object_type::ARRAY;
    if (!ok) return invalid(fmt::format("field '{}' has the wrong type", key));
  }
  if (hostname.empty()) hostname = host;
  if (buckets == nullptr) return {};

  // Validate everything first so a bad group keeps nothing.
  struct Bucket {
    int64_t start = 0;
    std::vector<StatsGroup> groups;
  };
  std::vector<Bucket> parsed;
  for (uint32_t b = 0; b < buckets->via.array.size; ++b) {
    const object& bucket = buckets->via.array.ptr[b];
    if (bucket.type != object_type::MAP) return invalid(fmt::format("Stats[{}] is not a map", b));
    Bucket out;
    for (uint32_t k = 0; k < bucket.via.map.size; ++k) {
      std::string_view key;
      if (!get_str(bucket.via.map.ptr[k].key, key))
        return invalid(fmt::format("Stats[{}]: key {} is not a string", b, k));
      const object& v = bucket.via.map.ptr[k].val;
      if (key == "Start") {
        if (!get_i64(v, out.start))
          return invalid(fmt::format("Stats[{}]: field 'Start' is not an integer", b));
      } else if (key == "Stats") {
        if (v.type != object_type::ARRAY)
          return invalid(fmt::format("Stats[{}]: field 'Stats' is not an array", b));
        out.groups.resize(v.via.array.size);
        for (uint32_t i = 0; i < v.via.array.size; ++i)
          HEELER_RETURN_IF_ERROR(stats_group(v.via.array.ptr[i], b, i, out.groups[i]));
      }
    }
    parsed.push_back(std::move(out));
  }

  std::vector<std::string> storage;
  std::vector<std::string_view> tags;
  std::string metric;
  for (const Bucket& bucket : parsed) {
    for (const StatsGroup& g : bucket.groups) {
      storage.clear();
      storage.push_back(fmt::format("service:{}", g.service));
      storage.push_back(fmt::format("resource:{}", g.resource));
      if (!env.empty()) storage.push_back(fmt::format("env:{}", env));
      if (!version.empty()) storage.push_back(fmt::format("version:{}", version));
      if (g.http_status != 0) storage.push_back(fmt::format("http.status_code:{}", g.http_status));
      if (!hostname.empty()) storage.push_back(fmt::format("host:{}", hostname));
      tags.assign(storage.begin(), storage.end());
      pipeline::MetricPoint point;
      point.tags = tags;
      point.kind = pipeline::MetricKind::count;
      point.timestamp_ms = bucket.start / 1'000'000;
      const std::pair<const char*, double> values[] = {
          {"hits", static_cast<double>(g.hits)},
          {"errors", static_cast<double>(g.errors)},
          {"duration", static_cast<double>(g.duration) / 1e9}};
      for (const auto& [suffix, value] : values) {
        metric = fmt::format("trace.{}.{}", g.name, suffix);
        point.metric = metric;
        point.value = value;
        sink(point);
      }
    }
  }
  return {};
}

}  // namespace heeler::intake
