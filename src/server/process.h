// Facts about this process for /metrics and start-up checks.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/status.h"

namespace heeler::server {

uint64_t resident_memory_bytes();  // VmRSS
uint64_t physical_memory_bytes();
// Creates the directory if needed and proves a file can be written and synced in it.
core::Status ensure_writable_directory(const std::filesystem::path& dir);

}  // namespace heeler::server
