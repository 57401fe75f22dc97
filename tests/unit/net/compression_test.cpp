#include "net/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

namespace heeler::net {
namespace {

constexpr size_t kMax = 1 << 20;

std::string sample_text(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) s += "span " + std::to_string(i * 7919 % 1000) + "; ";
  s.resize(n);
  return s;
}

std::string raw_deflate(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 16, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A zstd frame whose header does not record the content size, as streaming
// compressors write it.
std::string zstd_unknown_size(std::string_view data) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  size_t rc = ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue);
  EXPECT_FALSE(ZSTD_isError(rc));
  ZSTD_inBuffer none{nullptr, 0, 0};
  rc = ZSTD_compressStream2(cctx, &output, &none, ZSTD_e_end);
  EXPECT_EQ(rc, 0u);
  out.resize(output.pos);
  ZSTD_freeCCtx(cctx);
  return out;
}

void expect_decodes(std::string_view encoding, const std::string& body, const std::string& want) {
  core::Result<std::string> got = decode_content(encoding, body, kMax);
  ASSERT_TRUE(got.ok()) << encoding << ": " << got.status().to_string();
  EXPECT_EQ(*got, want) << encoding;
}

TEST(DecodeContentTest, IdentityAndEmptyPassThrough) {
  expect_decodes("", "hello", "hello");
  expect_decodes("identity", "hello", "hello");
  expect_decodes(" Identity ", "hello", "hello");
  expect_decodes("", "", "");
}

TEST(DecodeContentTest, GzipRoundTrip) {
  const std::string text = sample_text(200000);
  const std::string gz = gzip_compress(text);
  ASSERT_LT(gz.size(), text.size());
  ASSERT_GE(gz.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  expect_decodes("gzip", gz, text);
  expect_decodes("x-gzip", gz, text);
  expect_decodes("GZip", gz, text);
}

TEST(DecodeContentTest, GzipConcatenatedMembers) {
  const std::string gz = gzip_compress("first part, ") + gzip_compress("second part");
  expect_decodes("gzip", gz, "first part, second part");
}

TEST(DecodeContentTest, DeflateZlibAndRaw) {
  const std::string text = sample_text(50000);
  const std::string zlib = deflate_compress(text);
  ASSERT_GE(zlib.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zlib[0]) & 0x0f, 8);  // a zlib header
  expect_decodes("deflate", zlib, text);
  expect_decodes("deflate", raw_deflate(text), text);
  expect_decodes("DEFLATE", raw_deflate("x"), "x");
}

TEST(DecodeContentTest, ZstdKnownAndUnknownContentSize) {
  const std::string text = sample_text(300000);
  const std::string known = zstd_compress(text);
  EXPECT_EQ(ZSTD_getFrameContentSize(known.data(), known.size()), text.size());
  expect_decodes("zstd", known, text);

  const std::string unknown = zstd_unknown_size(text);
  EXPECT_EQ(ZSTD_getFrameContentSize(unknown.data(), unknown.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  expect_decodes("zstd", unknown, text);
  expect_decodes("ZSTD", zstd_compress("a") + zstd_compress("b"), "ab");
}

TEST(DecodeContentTest, ListIsUndoneRightToLeft) {
  const std::string text = sample_text(10000);
  // "gzip, zstd": gzip was applied first, then zstd.
  expect_decodes("gzip, zstd", zstd_compress(gzip_compress(text)), text);
  expect_decodes("zstd,gzip", gzip_compress(zstd_compress(text)), text);
  expect_decodes("deflate, identity, gzip", gzip_compress(deflate_compress(text)), text);
  core::Result<std::string> wrong =
      decode_content("zstd, gzip", zstd_compress(gzip_compress(text)), kMax);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), core::Code::invalid_argument);
}

TEST(DecodeContentTest, UnknownEncodingIsUnsupportedMedia) {
  core::Result<std::string> r = decode_content("br", "abc", kMax);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::unsupported_media);
  EXPECT_EQ(r.status().message(), "unsupported Content-Encoding 'br'");

  core::Result<std::string> listed = decode_content("gzip, compress", gzip_compress("x"), kMax);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), core::Code::unsupported_media);
  EXPECT_EQ(listed.status().message(), "unsupported Content-Encoding 'compress'");
}

TEST(DecodeContentTest, CorruptDataNamesTheEncoding) {
  const std::string garbage = "this is not compressed at all";
  for (std::string_view encoding : {"gzip", "deflate", "zstd"}) {
    core::Result<std::string> r = decode_content(encoding, garbage, kMax);
    ASSERT_FALSE(r.ok()) << encoding;
    EXPECT_EQ(r.status().code(), core::Code::invalid_argument) << encoding;
    EXPECT_EQ(r.status().message().rfind("body is not valid " + std::string(encoding) + ": ", 0),
              0u)
        << r.status().message();
  }
  core::Result<std::string> gz = decode_content("x-gzip", garbage, kMax);
  ASSERT_FALSE(gz.ok());
  EXPECT_EQ(gz.status().message(), "body is not valid gzip: incorrect header check");
}

TEST(DecodeContentTest, TruncatedDataIsInvalid) {
  const std::string text = sample_text(20000);
  const std::string gz = gzip_compress(text);
  const std::string zl = deflate_compress(text);
  const std::string zs = zstd_compress(text);
  struct Case {
    std::string_view encoding;
    std::string body;
  };
  for (const Case& c :
       {Case{"gzip", gz.substr(0, gz.size() - 4)}, Case{"gzip", gz.substr(0, 10)},
        Case{"deflate", zl.substr(0, zl.size() / 2)}, Case{"zstd", zs.substr(0, zs.size() - 1)},
        Case{"zstd", zs.substr(0, zs.size() / 2)}}) {
    core::Result<std::string> r = decode_content(c.encoding, c.body, kMax);
    ASSERT_FALSE(r.ok()) << c.encoding << " " << c.body.size();
    EXPECT_EQ(r.status().code(), core::Code::invalid_argument);
    EXPECT_NE(r.status().message().find(c.encoding), std::string::npos) << r.status().message();
  }
  core::Result<std::string> r = decode_content("gzip", gz.substr(0, gz.size() - 4), kMax);
  EXPECT_EQ(r.status().message(), "body is not valid gzip: unexpected end of data");
}

TEST(DecodeContentTest, TrailingGarbageIsInvalid) {
  core::Result<std::string> gz = decode_content("gzip", gzip_compress("abc") + "junk", kMax);
  ASSERT_FALSE(gz.ok());
  EXPECT_EQ(gz.status().code(), core::Code::invalid_argument);
  core::Result<std::string> zl = decode_content("deflate", deflate_compress("abc") + "junk", kMax);
  ASSERT_FALSE(zl.ok());
  EXPECT_EQ(zl.status().code(), core::Code::invalid_argument);
  EXPECT_EQ(zl.status().message(),
            "body is not valid deflate: trailing data after the end of the stream");
}

TEST(DecodeContentTest, EmptyBodyDecodesToEmpty) {
  expect_decodes("gzip", "", "");
  expect_decodes("zstd", "", "");
  expect_decodes("deflate", "", "");
}

TEST(DecodeContentTest, CapIsExact) {
  const std::string text = sample_text(1000);
  for (std::string_view encoding : {"gzip", "deflate", "zstd", "identity"}) {
    std::string body = encoding == "gzip"      ? gzip_compress(text)
                       : encoding == "deflate" ? deflate_compress(text)
                       : encoding == "zstd"    ? zstd_compress(text)
                                               : text;
    core::Result<std::string> at = decode_content(encoding, body, 1000);
    ASSERT_TRUE(at.ok()) << encoding << ": " << at.status().to_string();
    EXPECT_EQ(*at, text);
    core::Result<std::string> over = decode_content(encoding, body, 999);
    ASSERT_FALSE(over.ok()) << encoding;
    EXPECT_EQ(over.status().code(), core::Code::payload_too_large);
    EXPECT_EQ(over.status().message(), "decoded body exceeds 999 bytes");
  }
}

TEST(DecodeContentTest, DecompressionBombsStopAtTheCap) {
  const std::string zeros(64u << 20, '\0');
  const std::string gz = gzip_compress(zeros, 9);
  const std::string zs = zstd_compress(zeros, 3);
  const std::string unknown = zstd_unknown_size(zeros);
  const std::string zl = deflate_compress(zeros, 9);
  ASSERT_LT(gz.size(), 100000u);
  ASSERT_LT(zs.size(), 100000u);
  for (const auto& [encoding, body] : {std::pair<std::string_view, const std::string*>{"gzip", &gz},
                                       {"zstd", &zs},
                                       {"zstd", &unknown},
                                       {"deflate", &zl}}) {
    core::Result<std::string> r = decode_content(encoding, *body, kMax);
    ASSERT_FALSE(r.ok()) << encoding;
    EXPECT_EQ(r.status().code(), core::Code::payload_too_large) << encoding;
    EXPECT_EQ(r.status().message(), "decoded body exceeds 1048576 bytes");
  }
}

TEST(DecodeContentTest, NestedBombStopsAtTheCap) {
  const std::string zeros(8u << 20, '\0');
  const std::string twice = gzip_compress(gzip_compress(zeros, 9), 9);
  core::Result<std::string> r = decode_content("gzip, gzip", twice, kMax);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::payload_too_large);
}

TEST(CompressTest, EmptyInputsRoundTrip) {
  EXPECT_FALSE(gzip_compress("").empty());
  EXPECT_FALSE(zstd_compress("").empty());
  EXPECT_FALSE(deflate_compress("").empty());
  // Empty payloads wrapped in a real frame decode to empty too.
  expect_decodes("gzip", gzip_compress(""), "");
  expect_decodes("zstd", zstd_compress(""), "");
  expect_decodes("deflate", deflate_compress(""), "");
}

TEST(CompressTest, LevelsOutOfRangeAreClamped) {
  expect_decodes("gzip", gzip_compress("abc", 42), "abc");
  expect_decodes("deflate", deflate_compress("abc", -7), "abc");
  expect_decodes("zstd", zstd_compress("abc", 1000), "abc");
}

}  // namespace
}  // namespace heeler::net
