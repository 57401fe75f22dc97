// Request bodies under a Content-Encoding: any bytes give a body within the cap or a
// Status with one of the documented codes. The first byte picks the encoding (its low
// bits) and whether to round-trip the rest through the matching compressor (its top
// bit); the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/compression.h"

namespace {

constexpr size_t kCap = 1 << 20;

constexpr std::string_view kEncodings[] = {
    "identity", "gzip", "x-gzip", "deflate", "zstd", "gzip, zstd", "deflate, zstd", "", "br",
};
constexpr size_t kEncodingCount = sizeof(kEncodings) / sizeof(kEncodings[0]);

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view encoding = kEncodings[(selector & 0x7f) % kEncodingCount];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  heeler::core::Result<std::string> decoded = heeler::net::decode_content(encoding, body, kCap);
  if (decoded.ok()) {
    check(decoded->size() <= kCap);
  } else {
    const heeler::core::Code code = decoded.status().code();
    check(code == heeler::core::Code::invalid_argument ||
          code == heeler::core::Code::payload_too_large ||
          code == heeler::core::Code::unsupported_media);
    check(!decoded.status().message().empty());
  }

  // Whatever the compressors write, the decoder reads back exactly.
  if ((selector & 0x80) != 0 && body.size() <= 4096) {
    std::string packed;
    std::string_view single;
    switch ((selector & 0x7f) % 3) {
      case 0:
        packed = heeler::net::gzip_compress(body);
        single = "gzip";
        break;
      case 1:
        packed = heeler::net::deflate_compress(body);
        single = "deflate";
        break;
      default:
        packed = heeler::net::zstd_compress(body);
        single = "zstd";
        break;
    }
    heeler::core::Result<std::string> back = heeler::net::decode_content(single, packed, kCap);
    check(back.ok() && *back == body);
  }
  return 0;
}
