// Private: the part of libchdb's C API the embedded engine uses, declared from its
// documented signatures and resolved at run time with dlopen/dlsym. libchdb ships no
// header and is ~560 MB, so nothing links against it: heeler_store builds (and its unit
// tests run under sanitizers) without it, and the server loads it on start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace heeler::store::chdb {

// Opaque handles, laid out as the library documents them.
struct ConnectionHandle {
  void* internal_data;
};
using Connection = ConnectionHandle*;  // chdb_connection
struct Result {                        // chdb_result
  void* internal_data;
};
enum State : int { kSuccess = 0, kError = 1 };  // chdb_state

using ConnectFn = Connection* (*)(int argc, char** argv);
using CloseConnFn = void (*)(Connection* conn);
using QueryNFn = Result* (*)(Connection conn, const char* query, size_t query_len,
                             const char* format, size_t format_len);
using QueryWithParamsNFn = Result* (*)(Connection conn, const char* query, size_t query_len,
                                       const char* format, size_t format_len,
                                       const char* const* names, const size_t* name_lens,
                                       const char* const* values, const size_t* value_lens,
                                       size_t count);
using DestroyResultFn = void (*)(Result* result);
using ResultBufferFn = char* (*)(Result* result);
using ResultSizeFn = size_t (*)(Result* result);
using ResultDoubleFn = double (*)(Result* result);
using ResultCountFn = uint64_t (*)(Result* result);
using ResultErrorFn = const char* (*)(Result* result);
// The schema and array are the Arrow C Data Interface structs (arrow_export.h).
using ArrowArrayScanFn = State (*)(Connection conn, const char* name, void* schema, void* array);
using ArrowUnregisterFn = State (*)(Connection conn, const char* name);
using SetSignalHandlersFn = void (*)(int enabled);

struct Api {
  std::string path;  // the file the functions came from

  ConnectFn connect = nullptr;
  CloseConnFn close_conn = nullptr;
  QueryNFn query_n = nullptr;
  QueryWithParamsNFn query_with_params_n = nullptr;
  DestroyResultFn destroy_query_result = nullptr;
  ResultBufferFn result_buffer = nullptr;
  ResultSizeFn result_length = nullptr;
  ResultDoubleFn result_elapsed = nullptr;
  ResultCountFn result_rows_read = nullptr;           // rows in the result
  ResultCountFn result_storage_rows_read = nullptr;   // rows read from tables
  ResultCountFn result_storage_bytes_read = nullptr;  // bytes read from tables
  ResultErrorFn result_error = nullptr;
  ArrowArrayScanFn arrow_array_scan = nullptr;
  ArrowUnregisterFn arrow_unregister_table = nullptr;
  SetSignalHandlersFn set_signal_handlers_enabled = nullptr;  // optional
};

// Where libchdb is looked for: `configured` alone when it is set; otherwise
// $HEELER_STORE_CHDB_LIBRARY, libchdb.so beside /proc/self/exe, then the build's
// pinned copy (HEELER_CHDB_LIBRARY). Empty entries are left out.
std::vector<std::string> library_candidates(const std::string& configured);

// Loads libchdb once per process (RTLD_NOW | RTLD_LOCAL, never closed) and resolves
// every function. A failed attempt is not remembered, so a later call may name another
// path; once loaded, later calls return the same Api whatever path they name.
core::Result<const Api*> load_api(const std::string& configured);

}  // namespace heeler::store::chdb
