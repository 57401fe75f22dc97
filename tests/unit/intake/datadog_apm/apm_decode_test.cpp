#include "intake/datadog_apm/apm_decode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apm_test_util.h"

namespace heeler::intake {
namespace {

struct Decoded {
  core::Status status;
  std::vector<CapturedSpan> spans;
};

Decoded decode(TraceFormat format, const std::string& body, TraceDecodeOptions options = {}) {
  Decoded out;
  out.status = decode_traces(format, body, options, [&](const pipeline::SpanRecord& r) {
    out.spans.push_back(CapturedSpan::of(r));
  });
  return out;
}

const uint64_t kHigh = 0x6b02640b00000000ull;

TEST(ApmDecode, V04SampleEveryField) {
  TraceDecodeOptions options;
  options.host = "header-host";
  Decoded d = decode(TraceFormat::v04, encode_v04(sample_traces()), options);
  ASSERT_TRUE(d.status.ok()) << d.status.to_string();
  ASSERT_EQ(d.spans.size(), 4u);

  const CapturedSpan& root = d.spans[0];
  EXPECT_EQ(root.trace_id, pipeline::trace_id_from_u64(kHigh, 3083940903053168826ull));
  EXPECT_EQ(root.span_id, pipeline::span_id_from_u64(3083940903053168826ull));
  EXPECT_EQ(root.parent_span_id, pipeline::SpanId{});
  EXPECT_EQ(root.timestamp_ns, 1795318795855025152);
  EXPECT_EQ(root.duration_ns, 1078613u);
  EXPECT_EQ(root.name, "web.request");
  EXPECT_EQ(root.resource, "GET /users/:id");
  EXPECT_EQ(root.service, "capture-svc");
  EXPECT_EQ(root.type, "web");
  EXPECT_EQ(root.kind, "server");
  EXPECT_EQ(root.env, "capture-env");
  EXPECT_EQ(root.version, "1.2.3");
  EXPECT_EQ(root.host, "header-host");
  EXPECT_FALSE(root.error);
  EXPECT_EQ(root.status_code, 0);
  EXPECT_EQ(root.status_message, "");
  const std::map<std::string, std::string> root_attributes = {
      {"_dd.p.tid", "6b02640b00000000"},
      {"_dd.p.dm", "-0"},
      {"team", "obs"},
      {"service", "capture-svc"},
      {"runtime-id", "da8ef66a-6e02-49a6-9057-ef16bc6a6d3e"},
      {"language", "javascript"},
      {"http.status_code", "200"}};
  EXPECT_EQ(root.attributes, root_attributes);
  const std::map<std::string, double> root_metrics = {{"_dd.agent_psr", 1},
                                                      {"custom.num", 42.5},
                                                      {"process_id", 9874},
                                                      {"_sampling_priority_v1", 1}};
  EXPECT_EQ(root.metrics, root_metrics);

  const CapturedSpan& db = d.spans[1];
  // `_dd.p.tid` sits on the first span only; the whole chunk shares the 128-bit id.
  EXPECT_EQ(db.trace_id, root.trace_id);
  EXPECT_EQ(db.span_id, pipeline::span_id_from_u64(853699587473864551ull));
  EXPECT_EQ(db.parent_span_id, root.span_id);
  EXPECT_EQ(db.service, "capture-db");
  EXPECT_EQ(db.resource, "SELECT * FROM users WHERE id = ?");
  EXPECT_EQ(db.type, "sql");
  EXPECT_EQ(db.kind, "");
  EXPECT_EQ(db.attributes.at("_dd.base_service"), "capture-svc");
  EXPECT_EQ(db.attributes.count("env"), 0u);
  EXPECT_EQ(db.attributes.count("version"), 0u);
  const std::map<std::string, double> db_metrics = {{"db.rows", 3}, {"neg", -70000}};
  EXPECT_EQ(db.metrics, db_metrics);

  const CapturedSpan& fail = d.spans[2];
  EXPECT_TRUE(fail.error);
  EXPECT_EQ(fail.status_code, 2);
  EXPECT_EQ(fail.status_message, "boom");
  EXPECT_EQ(fail.attributes.at("error.message"), "boom");
  EXPECT_EQ(fail.attributes.at("error.type"), "Error");
  EXPECT_EQ(fail.attributes.at("error.stack"), "Error: boom\n    at x.js:1:1");
  EXPECT_EQ(fail.attributes.count("_dd.hostname"), 0u);
  EXPECT_EQ(fail.host, "span-host");
  EXPECT_EQ(fail.type, "");
  EXPECT_EQ(fail.duration_ns, 284180u);

  const CapturedSpan& other = d.spans[3];
  EXPECT_EQ(other.trace_id, pipeline::trace_id_from_u64(0, 42));
  EXPECT_EQ(other.span_id, pipeline::span_id_from_u64(43));
  EXPECT_EQ(other.service, "fallback-svc");  // the span's own service is empty
  EXPECT_EQ(other.env, "other-env");
  EXPECT_EQ(other.resource, "");
  EXPECT_EQ(other.duration_ns, 5u);
}

TEST(ApmDecode, V05StringTableDecodesLikeV04) {
  const auto traces = sample_traces();
  Decoded v04 = decode(TraceFormat::v04, encode_v04(traces));
  Decoded v05 = decode(TraceFormat::v05, encode_v05(traces));
  ASSERT_TRUE(v04.status.ok()) << v04.status.to_string();
  ASSERT_TRUE(v05.status.ok()) << v05.status.to_string();
  ASSERT_EQ(v05.spans.size(), 4u);
  for (size_t i = 0; i < v04.spans.size(); ++i)
    EXPECT_EQ(v05.spans[i], v04.spans[i]) << "span " << i;
  EXPECT_EQ(v05.spans[1].trace_id, pipeline::trace_id_from_u64(kHigh, 3083940903053168826ull));
}

TEST(ApmDecode, V05TidOnALaterSpanAppliesToTheWholeChunk) {
  auto traces = sample_traces();
  std::swap(traces[0][0], traces[0][2]);
  Decoded d = decode(TraceFormat::v05, encode_v05(traces));
  ASSERT_TRUE(d.status.ok());
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(d.spans[i].trace_id, pipeline::trace_id_from_u64(kHigh, 3083940903053168826ull));
}

TEST(ApmDecode, EveryIntegerWidthAndFloatKinds) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_map(11);
  pk.pack("trace_id"), pk.pack_fix_uint8(7);
  pk.pack("span_id"), pk.pack_fix_uint16(300);
  pk.pack("parent_id"), pk.pack_fix_uint32(70000);
  pk.pack("start"), pk.pack_fix_int64(1795318795855025152);
  pk.pack("duration"), pk.pack_fix_int32(12);
  pk.pack("error"), pk.pack_fix_int8(1);
  pk.pack("name"), pk.pack("n");
  pk.pack("unknown_key"), pk.pack_array(2), pk.pack(1), pk.pack("x");
  pk.pack("meta"), pk.pack_map(1), pk.pack("_dd.p.tid"), pk.pack("00000000000000ff");
  pk.pack("metrics"), pk.pack_map(6);
  pk.pack("i8"), pk.pack_fix_int8(-5);
  pk.pack("i16"), pk.pack_fix_int16(-300);
  pk.pack("u64"), pk.pack_fix_uint64(1ull << 40);
  pk.pack("f32"), pk.pack_float(0.5f);
  pk.pack("f64"), pk.pack_double(-2.25);
  pk.pack("fixneg"), pk.pack(-3);
  pk.pack("service"), pk.pack_nil();
  Decoded d = decode(TraceFormat::v04, std::string(buf.data(), buf.size()));
  ASSERT_TRUE(d.status.ok()) << d.status.to_string();
  ASSERT_EQ(d.spans.size(), 1u);
  EXPECT_EQ(d.spans[0].trace_id, pipeline::trace_id_from_u64(0xff, 7));
  EXPECT_EQ(d.spans[0].span_id, pipeline::span_id_from_u64(300));
  EXPECT_EQ(d.spans[0].parent_span_id, pipeline::span_id_from_u64(70000));
  EXPECT_EQ(d.spans[0].timestamp_ns, 1795318795855025152);
  EXPECT_EQ(d.spans[0].duration_ns, 12u);
  EXPECT_TRUE(d.spans[0].error);
  EXPECT_EQ(d.spans[0].service, "");
  const std::map<std::string, double> metrics = {
      {"i8", -5},   {"i16", -300},  {"u64", double(1ull << 40)},
      {"f32", 0.5}, {"f64", -2.25}, {"fixneg", -3}};
  EXPECT_EQ(d.spans[0].metrics, metrics);
}

TEST(ApmDecode, EmptyBodyAndEmptyArrayHoldNoSpans) {
  EXPECT_TRUE(decode(TraceFormat::v04, "").status.ok());
  Decoded d = decode(TraceFormat::v04, std::string("\x90", 1));
  EXPECT_TRUE(d.status.ok());
  EXPECT_TRUE(d.spans.empty());
  EXPECT_TRUE(decode(TraceFormat::v05, std::string("\x92\x91\xa0\x90", 4)).status.ok());
}

TEST(ApmDecode, EveryTruncationIsACleanError) {
  const auto traces = sample_traces();
  for (TraceFormat format : {TraceFormat::v04, TraceFormat::v05}) {
    const std::string body = format == TraceFormat::v04 ? encode_v04(traces) : encode_v05(traces);
    for (size_t len = 1; len < body.size(); ++len) {
      Decoded d = decode(format, body.substr(0, len));
      ASSERT_EQ(d.status.code(), core::Code::invalid_argument) << "prefix " << len;
      ASSERT_TRUE(d.spans.empty()) << "prefix " << len;
    }
  }
}

TEST(ApmDecode, TrailingBytesAreRejected) {
  std::string body = encode_v04(sample_traces()) + "\x01";
  EXPECT_EQ(decode(TraceFormat::v04, body).status.code(), core::Code::invalid_argument);
}

std::string one_span_with(const std::string& key, void (*value)(Packer&)) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(1);
  pk.pack_array(2);
  pk.pack_map(1), pk.pack("name"), pk.pack("ok");
  pk.pack_map(2), pk.pack("name"), pk.pack("second");
  pk.pack(key);
  value(pk);
  return std::string(buf.data(), buf.size());
}

TEST(ApmDecode, WrongTypesNameTheFieldAndPosition) {
  struct Case {
    std::string key;
    void (*value)(Packer&);
  };
  const Case cases[] = {
      {"name", [](Packer& pk) { pk.pack(5); }},
      {"trace_id", [](Packer& pk) { pk.pack("12"); }},
      {"span_id", [](Packer& pk) { pk.pack_double(1.5); }},
      {"start", [](Packer& pk) { pk.pack_fix_uint64(~0ull); }},
      {"duration", [](Packer& pk) { pk.pack("1"); }},
      {"error", [](Packer& pk) { pk.pack("true"); }},
      {"meta", [](Packer& pk) { pk.pack_array(0); }},
      {"metrics", [](Packer& pk) { pk.pack("x"); }},
  };
  for (const Case& c : cases) {
    Decoded d = decode(TraceFormat::v04, one_span_with(c.key, c.value));
    EXPECT_EQ(d.status.code(), core::Code::invalid_argument) << c.key;
    EXPECT_NE(d.status.message().find("trace 0 span 1"), std::string::npos) << d.status.message();
    EXPECT_NE(d.status.message().find("'" + c.key + "'"), std::string::npos) << d.status.message();
  }
  Decoded meta =
      decode(TraceFormat::v04,
             one_span_with("meta", [](Packer& pk) { pk.pack_map(1), pk.pack("k"), pk.pack(1); }));
  EXPECT_EQ(meta.status.code(), core::Code::invalid_argument);
  EXPECT_NE(meta.status.message().find("'meta' entry 0"), std::string::npos);
  Decoded metrics = decode(TraceFormat::v04, one_span_with("metrics", [](Packer& pk) {
                             pk.pack_map(1), pk.pack("k"), pk.pack("1");
                           }));
  EXPECT_NE(metrics.status.message().find("'metrics' entry 0"), std::string::npos);

  EXPECT_EQ(decode(TraceFormat::v04, std::string("\x81\xa1k\x01", 4)).status.code(),
            core::Code::invalid_argument);
  Decoded trace = decode(TraceFormat::v04, std::string("\x92\x90\x81\xa1k\x01", 6));
  EXPECT_NE(trace.status.message().find("trace 1 is not an array"), std::string::npos);
  Decoded span = decode(TraceFormat::v04, std::string("\x91\x91\x05", 3));
  EXPECT_NE(span.status.message().find("trace 0 span 0 is not a map"), std::string::npos);
}

TEST(ApmDecode, V05WrongShapes) {
  auto traces = sample_traces();
  std::string body = encode_v05(traces);
  // Index beyond the table: rewrite the first service index (uint32 after the 12-array header).
  const std::string header = std::string("\x9c\xce", 2);
  size_t at = body.find(header);
  ASSERT_NE(at, std::string::npos);
  std::string bad = body;
  bad[at + 2] = '\x7f';
  Decoded d = decode(TraceFormat::v05, bad);
  EXPECT_EQ(d.status.code(), core::Code::invalid_argument);
  EXPECT_NE(d.status.message().find("trace 0 span 0: field 'service'"), std::string::npos)
      << d.status.message();
  EXPECT_TRUE(d.spans.empty());

  EXPECT_NE(decode(TraceFormat::v05, std::string("\x92\x91\x01\x90", 4))
                .status.message()
                .find("string table entry 0"),
            std::string::npos);
  EXPECT_NE(decode(TraceFormat::v05, std::string("\x92\x91\xa0\x91\x91\x93\x00\x00\x00", 9))
                .status.message()
                .find("12-element"),
            std::string::npos);
  EXPECT_EQ(decode(TraceFormat::v05, std::string("\x91\x90", 2)).status.code(),
            core::Code::invalid_argument);
}

TEST(ApmDecode, HugeDeclaredLengthsAreRejectedWithoutAllocating) {
  for (const char* raw :
       {"\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff", "\x91\xdb\xff\xff\xff\xff",
        "\x91\xdd\x7f\xff\xff\xff\x90", "\x91\xc6\xff\xff\xff\xf0"}) {
    Decoded d = decode(TraceFormat::v04, std::string(raw));
    EXPECT_EQ(d.status.code(), core::Code::invalid_argument);
  }
}

TEST(ApmDecode, DeepNestingIsRejected) {
  for (size_t depth : {17u, 100u, 100000u}) {
    std::string body(depth, '\x91');
    body += '\x90';
    EXPECT_EQ(decode(TraceFormat::v04, body).status.code(), core::Code::invalid_argument) << depth;
    EXPECT_EQ(decode(TraceFormat::v05, body).status.code(), core::Code::invalid_argument) << depth;
  }
}

TEST(ApmDecode, ReservedByteIsRejected) {
  EXPECT_EQ(decode(TraceFormat::v04, std::string("\x91\xc1", 2)).status.code(),
            core::Code::invalid_argument);
}

TEST(ApmDecode, SpanLimitAnswersPayloadTooLarge) {
  TraceDecodeOptions options;
  options.max_spans = 3;
  Decoded d = decode(TraceFormat::v04, encode_v04(sample_traces()), options);
  EXPECT_EQ(d.status.code(), core::Code::payload_too_large);
  EXPECT_TRUE(d.spans.empty());
  options.max_spans = 4;
  EXPECT_TRUE(decode(TraceFormat::v04, encode_v04(sample_traces()), options).status.ok());
}

}  // namespace
}  // namespace heeler::intake
