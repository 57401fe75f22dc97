#include "store/chdb_api.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>

#ifndef HEELER_CHDB_LIBRARY
#define HEELER_CHDB_LIBRARY ""
#endif

namespace heeler::store::chdb {
namespace {

constexpr const char* kHint = "run scripts/setup.sh or set store.chdb_library";

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& out) {
  void* sym = dlsym(handle, name);
  if (sym == nullptr) return false;
  out = reinterpret_cast<Fn>(sym);
  return true;
}

core::Result<std::unique_ptr<Api>> open_library(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return core::error(core::Code::io_error, "cannot load libchdb from {}: {}", path,
                       reason ? reason : "unknown dlopen error");
  }
  auto api = std::make_unique<Api>();
  api->path = path;
  struct Required {
    const char* name;
    bool ok;
  };
  const Required required[] = {
      {"chdb_connect", resolve(handle, "chdb_connect", api->connect)},
      {"chdb_close_conn", resolve(handle, "chdb_close_conn", api->close_conn)},
      {"chdb_query_n", resolve(handle, "chdb_query_n", api->query_n)},
      {"chdb_query_with_params_n",
       resolve(handle, "chdb_query_with_params_n", api->query_with_params_n)},
      {"chdb_destroy_query_result",
       resolve(handle, "chdb_destroy_query_result", api->destroy_query_result)},
      {"chdb_result_buffer", resolve(handle, "chdb_result_buffer", api->result_buffer)},
      {"chdb_result_length", resolve(handle, "chdb_result_length", api->result_length)},
      {"chdb_result_elapsed", resolve(handle, "chdb_result_elapsed", api->result_elapsed)},
      {"chdb_result_rows_read", resolve(handle, "chdb_result_rows_read", api->result_rows_read)},
      {"chdb_result_storage_rows_read",
       resolve(handle, "chdb_result_storage_rows_read", api->result_storage_rows_read)},
      {"chdb_result_storage_bytes_read",
       resolve(handle, "chdb_result_storage_bytes_read", api->result_storage_bytes_read)},
      {"chdb_result_error", resolve(handle, "chdb_result_error", api->result_error)},
      {"chdb_arrow_array_scan", resolve(handle, "chdb_arrow_array_scan", api->arrow_array_scan)},
      {"chdb_arrow_unregister_table",
       resolve(handle, "chdb_arrow_unregister_table", api->arrow_unregister_table)},
  };
  for (const auto& r : required) {
    if (!r.ok) {
      // The handle stays open: closing a half-initialised ClickHouse is not safe.
      return core::error(
          core::Code::io_error,
          "libchdb at {} does not export {} (Heeler needs libchdb 26.5 or newer; {})", path, r.name,
          kHint);
    }
  }
  resolve(handle, "chdb_set_signal_handlers_enabled", api->set_signal_handlers_enabled);
  return api;
}

}  // namespace

std::vector<std::string> library_candidates(const std::string& configured) {
  if (!configured.empty()) return {configured};
  std::vector<std::string> out;
  if (const char* env = std::getenv("HEELER_STORE_CHDB_LIBRARY"); env != nullptr && *env != '\0')
    out.emplace_back(env);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "libchdb.so").string());
  if (std::string pinned = HEELER_CHDB_LIBRARY; !pinned.empty()) out.push_back(pinned);
  return out;
}

core::Result<const Api*> load_api(const std::string& configured) {
  static std::mutex mu;
  static const Api* loaded = nullptr;  // never freed: the library is never closed
  std::lock_guard lock(mu);
  if (loaded != nullptr) return loaded;

  auto candidates = library_candidates(configured);
  std::string tried;
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      if (!tried.empty()) tried += ", ";
      tried += path;
      continue;
    }
    auto api = open_library(path);
    if (!api.ok()) return api.status();
    loaded = api.value().release();
    return loaded;
  }
  if (tried.empty()) tried = "(no candidate path)";
  return core::error(core::Code::io_error, "libchdb not found at {}; {}", tried, kHint);
}

}  // namespace heeler::store::chdb
