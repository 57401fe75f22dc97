// Undoing a request's Content-Encoding, with a cap on the decoded size so a small
// compressed body cannot expand without bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace heeler::net {

// `encoding` is the Content-Encoding header value: "", "identity", "gzip", "x-gzip",
// "deflate" (zlib or raw), "zstd"; a comma list is undone right to left. "snappy" is
// passed through: its handler (Prometheus remote-write) undoes it.
// Unknown encoding → unsupported_media; corrupt or truncated data → invalid_argument
// naming the encoding; larger than max_decoded → payload_too_large.
core::Result<std::string> decode_content(std::string_view encoding, std::string_view body,
                                         size_t max_decoded);

// gzip-compresses (for responses and tests).
std::string gzip_compress(std::string_view data, int level = 6);
std::string zstd_compress(std::string_view data, int level = 3);
std::string deflate_compress(std::string_view data, int level = 6);  // zlib stream

}  // namespace heeler::net
