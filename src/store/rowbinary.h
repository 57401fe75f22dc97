// Private: decodes ClickHouse's RowBinaryWithNamesAndTypes output into a QueryResult.
//
// Layout: LEB128 column count; that many LEB128-length names; that many type names;
// then rows until the end, each value in its type's binary form (little-endian).
// Decoded values (see Value in engine.h):
//   Int8..Int64, Interval*, Time, Time64         int64_t
//   UInt8..UInt64                                uint64_t
//   Float32, Float64, BFloat16, Decimal*(P, S)   double (decimals: unscaled / 10^S)
//   Int128, UInt128, Int256, UInt256             std::string, the exact decimal number
//   Bool                                         bool
//   String, FixedString(N)                       std::string (raw bytes)
//   Date, Date32                                 int64_t days since 1970-01-01
//   DateTime[('tz')]                             int64_t seconds since the epoch
//   DateTime64(p[, 'tz'])                        int64_t ticks of 10^-p seconds
//   UUID, IPv4, IPv6                             std::string, canonical text
//   Enum8/Enum16                                 std::string, the name (number if unnamed)
//   Nullable(T)                                  T or null; Nothing is always null
//   LowCardinality(T), SimpleAggregateFunction   as T
//   Array(T), Tuple(...), geo types              Array
//   Map(K, V)                                    MapEntries
// The input is untrusted: every read is bounds-checked and nesting is limited, so
// garbage yields an engine_error ("truncated result", "unknown type …"), never a crash.
#pragma once

#include <string_view>

#include "core/status.h"
#include "store/engine.h"

namespace heeler::store::rowbinary {

// Empty input (a statement with no result set) decodes to a result with no columns.
core::Result<QueryResult> decode(std::string_view data);

}  // namespace heeler::store::rowbinary
