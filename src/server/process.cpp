#include "server/process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

namespace heeler::server {

uint64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

uint64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * page_size : 0;
}

core::Status ensure_writable_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return core::error(core::Code::io_error, "data directory {} cannot be created: {}",
                       dir.string(), ec.message());
  if (!std::filesystem::is_directory(dir, ec))
    return core::error(core::Code::io_error, "data directory {} is not a directory", dir.string());
  auto probe = dir / ".heeler-write-probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return core::error(core::Code::io_error, "data directory {} is not writable: {}", dir.string(),
                       std::strerror(errno));
  bool ok = ::write(fd, "ok", 2) == 2 && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!ok)
    return core::error(core::Code::io_error, "data directory {} is not writable: {}", dir.string(),
                       std::strerror(saved));
  return {};
}

}  // namespace heeler::server
