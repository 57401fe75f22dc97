#include "net/compression.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

namespace heeler::net {
namespace {

constexpr size_t kChunk = 64 * 1024;

enum class Encoding { identity, gzip, deflate, zstd };

core::Status too_large(size_t max_decoded) {
  return core::error(core::Code::payload_too_large, "decoded body exceeds {} bytes", max_decoded);
}

core::Status corrupt(std::string_view encoding, std::string_view reason) {
  return core::error(core::Code::invalid_argument, "body is not valid {}: {}", encoding, reason);
}

// Collects decoded output without ever holding more than `max` bytes: the buffer
// grows by doubling but never beyond the cap, and one byte too many is an error.
class CappedBuffer {
 public:
  explicit CappedBuffer(size_t max) : max_(max) {}

  bool append(const char* data, size_t n) {
    if (n == 0) return true;
    if (n > max_ - data_.size()) return false;
    size_t needed = data_.size() + n;
    if (needed > data_.capacity()) {
      size_t grown = std::max(needed, std::max<size_t>(data_.capacity() * 2, 4096));
      data_.reserve(std::min(grown, max_));
    }
    data_.insert(data_.end(), data, data + n);
    return true;
  }

  std::string take() { return std::string(data_.begin(), data_.end()); }

 private:
  size_t max_;
  std::vector<char> data_;
};

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

core::Result<Encoding> parse_encoding(std::string_view name) {
  std::string n = lower_trimmed(name);
  // Snappy block format (Prometheus remote-write) is left to the handler, which knows
  // its framing and caps the uncompressed size itself.
  if (n.empty() || n == "identity" || n == "snappy") return Encoding::identity;
  if (n == "gzip" || n == "x-gzip") return Encoding::gzip;
  if (n == "deflate") return Encoding::deflate;
  if (n == "zstd") return Encoding::zstd;
  return core::error(core::Code::unsupported_media, "unsupported Content-Encoding '{}'",
                     lower_trimmed(name));
}

enum class Wrap { gzip, zlib, raw };

int window_bits(Wrap wrap) {
  switch (wrap) {
    case Wrap::gzip:
      return 16 + MAX_WBITS;
    case Wrap::zlib:
      return MAX_WBITS;
    case Wrap::raw:
      return -MAX_WBITS;
  }
  return MAX_WBITS;
}

std::string zlib_reason(const z_stream& zs, int ret) {
  if (zs.msg != nullptr) return zs.msg;
  if (ret == Z_BUF_ERROR) return "unexpected end of data";
  return zError(ret);
}

struct InflateStream {
  z_stream zs{};
  bool ready = false;
  ~InflateStream() {
    if (ready) inflateEnd(&zs);
  }
};

// Inflates `in` with the given wrapper. gzip accepts several members one after the
// other (RFC 1952 §2.2); the other wrappers must end exactly at the end of the input.
core::Result<std::string> inflate_all(std::string_view in, Wrap wrap, size_t max_decoded,
                                      std::string_view name) {
  InflateStream s;
  int ret = inflateInit2(&s.zs, window_bits(wrap));
  if (ret != Z_OK) return corrupt(name, zlib_reason(s.zs, ret));
  s.ready = true;

  CappedBuffer out(max_decoded);
  auto chunk = std::make_unique<char[]>(kChunk);
  const auto* next = reinterpret_cast<const Bytef*>(in.data());
  size_t remaining = in.size();
  for (;;) {
    if (s.zs.avail_in == 0 && remaining > 0) {
      auto n = static_cast<uInt>(std::min<size_t>(remaining, UINT_MAX));
      s.zs.next_in = const_cast<Bytef*>(next);
      s.zs.avail_in = n;
      next += n;
      remaining -= n;
    }
    s.zs.next_out = reinterpret_cast<Bytef*>(chunk.get());
    s.zs.avail_out = static_cast<uInt>(kChunk);
    ret = inflate(&s.zs, Z_NO_FLUSH);
    size_t produced = kChunk - s.zs.avail_out;
    if (!out.append(chunk.get(), produced)) return too_large(max_decoded);

    if (ret == Z_STREAM_END) {
      bool more_input = s.zs.avail_in > 0 || remaining > 0;
      if (!more_input) break;
      if (wrap != Wrap::gzip) return corrupt(name, "trailing data after the end of the stream");
      if (inflateReset(&s.zs) != Z_OK) return corrupt(name, "cannot reset the decoder");
      continue;
    }
    if (ret == Z_NEED_DICT) return corrupt(name, "a preset dictionary is required");
    if (ret == Z_DATA_ERROR || ret == Z_MEM_ERROR || ret == Z_STREAM_ERROR) {
      return corrupt(name, zlib_reason(s.zs, ret));
    }
    // Z_OK or Z_BUF_ERROR: out of input before the end of the stream means truncation.
    if (s.zs.avail_in == 0 && remaining == 0 && produced < kChunk) {
      return corrupt(name, "unexpected end of data");
    }
  }
  return out.take();
}

// A zlib header: compression method 8, a window of at most 32 KiB and a check value
// that makes the first two bytes a multiple of 31 (RFC 1950 §2.2).
bool looks_like_zlib(std::string_view in) {
  if (in.size() < 2) return false;
  auto cmf = static_cast<unsigned char>(in[0]);
  auto flg = static_cast<unsigned char>(in[1]);
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

core::Result<std::string> inflate_deflate(std::string_view in, size_t max_decoded) {
  // Servers disagree on whether "deflate" means a zlib stream or raw deflate data;
  // take either, zlib first.
  core::Result<std::string> zlib = inflate_all(in, Wrap::zlib, max_decoded, "deflate");
  if (zlib.ok() || zlib.status().code() == core::Code::payload_too_large) return zlib;
  core::Result<std::string> raw = inflate_all(in, Wrap::raw, max_decoded, "deflate");
  if (raw.ok() || raw.status().code() == core::Code::payload_too_large) return raw;
  return looks_like_zlib(in) ? std::move(zlib) : std::move(raw);
}

struct ZstdStream {
  ZSTD_DStream* ds = ZSTD_createDStream();
  ~ZstdStream() { ZSTD_freeDStream(ds); }
};

// The largest window a zstd frame may ask for: enough for what encoders produce at
// their usual levels, and no more than the body may decode to beyond that.
int zstd_window_log_max(size_t max_decoded) {
  int log = 0;
  while (log < 62 && (size_t{1} << log) < max_decoded) ++log;
  return std::clamp(log, 23, 27);
}

core::Result<std::string> zstd_decompress(std::string_view in, size_t max_decoded) {
  ZstdStream s;
  if (s.ds == nullptr) return corrupt("zstd", "cannot create a decoder");
  size_t rc = ZSTD_DCtx_setParameter(s.ds, ZSTD_d_windowLogMax, zstd_window_log_max(max_decoded));
  if (ZSTD_isError(rc)) return corrupt("zstd", ZSTD_getErrorName(rc));

  CappedBuffer out(max_decoded);
  auto chunk = std::make_unique<char[]>(kChunk);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t last = 0;
  for (;;) {
    ZSTD_outBuffer output{chunk.get(), kChunk, 0};
    last = ZSTD_decompressStream(s.ds, &output, &input);
    if (ZSTD_isError(last)) {
      if (ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge) {
        return core::error(core::Code::payload_too_large,
                           "zstd frame needs a window larger than the decoder allows");
      }
      return corrupt("zstd", ZSTD_getErrorName(last));
    }
    if (!out.append(chunk.get(), output.pos)) return too_large(max_decoded);
    bool input_done = input.pos == input.size;
    bool output_full = output.pos == output.size;
    if (input_done && !output_full) break;
  }
  if (last != 0) return corrupt("zstd", "unexpected end of data");
  return out.take();
}

std::string deflate_with(std::string_view data, int level, Wrap wrap) {
  z_stream zs{};
  level = std::clamp(level, Z_DEFAULT_COMPRESSION, 9);
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits(wrap), 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out;
  auto chunk = std::make_unique<char[]>(kChunk);
  const auto* next = reinterpret_cast<const Bytef*>(data.data());
  size_t remaining = data.size();
  int ret = Z_OK;
  while (ret != Z_STREAM_END) {
    if (zs.avail_in == 0 && remaining > 0) {
      auto n = static_cast<uInt>(std::min<size_t>(remaining, UINT_MAX));
      zs.next_in = const_cast<Bytef*>(next);
      zs.avail_in = n;
      next += n;
      remaining -= n;
    }
    int flush = remaining == 0 ? Z_FINISH : Z_NO_FLUSH;
    zs.next_out = reinterpret_cast<Bytef*>(chunk.get());
    zs.avail_out = static_cast<uInt>(kChunk);
    ret = deflate(&zs, flush);
    if (ret == Z_STREAM_ERROR) break;
    out.append(chunk.get(), kChunk - zs.avail_out);
  }
  deflateEnd(&zs);
  return out;
}

}  // namespace

core::Result<std::string> decode_content(std::string_view encoding, std::string_view body,
                                         size_t max_decoded) {
  std::vector<Encoding> chain;
  while (true) {
    size_t comma = encoding.find(',');
    core::Result<Encoding> e = parse_encoding(encoding.substr(0, comma));
    if (!e.ok()) return e.status();
    if (*e != Encoding::identity) chain.push_back(*e);
    if (comma == std::string_view::npos) break;
    encoding.remove_prefix(comma + 1);
  }

  std::string current;
  std::string_view data = body;
  bool decoded_any = false;
  // Applied in order of listing, so undone from the last one back to the first.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    // An empty body has nothing to decode, whatever it claims to be encoded with.
    if (data.empty()) break;
    core::Result<std::string> decoded = [&]() -> core::Result<std::string> {
      switch (*it) {
        case Encoding::gzip:
          return inflate_all(data, Wrap::gzip, max_decoded, "gzip");
        case Encoding::deflate:
          return inflate_deflate(data, max_decoded);
        case Encoding::zstd:
          return zstd_decompress(data, max_decoded);
        case Encoding::identity:
          break;
      }
      return std::string(data);
    }();
    if (!decoded.ok()) return decoded.status();
    current = std::move(decoded).value();
    data = current;
    decoded_any = true;
  }
  if (data.size() > max_decoded) return too_large(max_decoded);
  if (decoded_any) return current;
  return std::string(body);
}

std::string gzip_compress(std::string_view data, int level) {
  return deflate_with(data, level, Wrap::gzip);
}

std::string deflate_compress(std::string_view data, int level) {
  return deflate_with(data, level, Wrap::zlib);
}

std::string zstd_compress(std::string_view data, int level) {
  level = std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

}  // namespace heeler::net
