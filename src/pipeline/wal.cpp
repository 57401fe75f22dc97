#include "pipeline/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>

#include "core/log.h"

namespace heeler::pipeline {
namespace {

namespace fs = std::filesystem;
using core::Code;
using store::ColumnBatch;

// ---- batch encoding --------------------------------------------------------------
//
// [u32 magic "HWB1"][u32 columns][u64 rows], then per column:
// [u16 name length][name][u8 type], then the type's data:
//   fixed/timestamp: rows values, little-endian
//   string:          rows end offsets (i32), [u64 chars][chars]
//   fixed bytes:     [i32 width][rows * width bytes]
//   map:             rows end offsets (i32) into the entries, then keys and values as
//                    strings of `entries` rows each
constexpr uint32_t kBatchMagic = 0x31425748;  // "HWB1"

enum class Tag : uint8_t { u8, u16, u32, u64, i32, i64, f64, timestamp, string, fixed_bytes, map };

template <typename T>
void put(std::string& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_ends(std::string& out, const std::vector<int32_t>& offsets) {
  out.append(reinterpret_cast<const char*>(offsets.data() + 1),
             (offsets.size() - 1) * sizeof(int32_t));
}

void put_string_column(std::string& out, const store::StringColumn& c) {
  put_ends(out, c.offsets);
  put<uint64_t>(out, c.chars.size());
  out.append(c.chars);
}

template <typename T>
constexpr Tag tag_of() {
  if constexpr (std::is_same_v<T, uint8_t>) return Tag::u8;
  if constexpr (std::is_same_v<T, uint16_t>) return Tag::u16;
  if constexpr (std::is_same_v<T, uint32_t>) return Tag::u32;
  if constexpr (std::is_same_v<T, uint64_t>) return Tag::u64;
  if constexpr (std::is_same_v<T, int32_t>) return Tag::i32;
  if constexpr (std::is_same_v<T, int64_t>) return Tag::i64;
  if constexpr (std::is_same_v<T, double>) return Tag::f64;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  size_t left() const { return bytes_.size() - pos_; }
  template <typename T>
  bool get(T& v) {
    if (left() < sizeof(T)) return false;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool take(size_t n, std::string_view& out) {
    if (left() < n) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

core::Status corrupt(std::string_view what) {
  return core::error(Code::invalid_argument, "corrupt batch encoding: {}", what);
}

// Reads `rows` end offsets (the leading 0 is implied); they must not decrease.
core::Status get_ends(Reader& in, uint64_t rows, std::vector<int32_t>& offsets) {
  std::string_view raw;
  if (rows > in.left() / sizeof(int32_t) || !in.take(rows * sizeof(int32_t), raw))
    return corrupt("offsets run past the end");
  offsets.assign(rows + 1, 0);
  std::memcpy(offsets.data() + 1, raw.data(), raw.size());
  for (size_t i = 1; i < offsets.size(); ++i)
    if (offsets[i] < offsets[i - 1]) return corrupt("offsets decrease");
  return {};
}

core::Status get_string_column(Reader& in, uint64_t rows, store::StringColumn& c) {
  HEELER_RETURN_IF_ERROR(get_ends(in, rows, c.offsets));
  uint64_t size = 0;
  std::string_view chars;
  if (!in.get(size) || size > in.left() || !in.take(size, chars))
    return corrupt("string bytes run past the end");
  if (static_cast<uint64_t>(c.offsets.back()) != size)
    return corrupt("string offsets do not end at the data's end");
  c.chars.assign(chars);
  return {};
}

template <typename V>
core::Status get_values(Reader& in, uint64_t rows, std::vector<V>& values) {
  std::string_view raw;
  if (rows > in.left() / sizeof(V) || !in.take(rows * sizeof(V), raw))
    return corrupt("values run past the end");
  values.resize(rows);
  if (rows) std::memcpy(values.data(), raw.data(), raw.size());
  return {};
}

core::Status get_column(Reader& in, Tag tag, uint64_t rows, store::ColumnData& data) {
  switch (tag) {
    case Tag::u8:
      return get_values(in, rows, data.emplace<store::FixedColumn<uint8_t>>().values);
    case Tag::u16:
      return get_values(in, rows, data.emplace<store::FixedColumn<uint16_t>>().values);
    case Tag::u32:
      return get_values(in, rows, data.emplace<store::FixedColumn<uint32_t>>().values);
    case Tag::u64:
      return get_values(in, rows, data.emplace<store::FixedColumn<uint64_t>>().values);
    case Tag::i32:
      return get_values(in, rows, data.emplace<store::FixedColumn<int32_t>>().values);
    case Tag::i64:
      return get_values(in, rows, data.emplace<store::FixedColumn<int64_t>>().values);
    case Tag::f64:
      return get_values(in, rows, data.emplace<store::FixedColumn<double>>().values);
    case Tag::timestamp:
      return get_values(in, rows, data.emplace<store::TimestampColumn>().values);
    case Tag::string:
      return get_string_column(in, rows, data.emplace<store::StringColumn>());
    case Tag::fixed_bytes: {
      int32_t width = 0;
      if (!in.get(width) || width <= 0 || width > (1 << 20))
        return corrupt("bad fixed-bytes width");
      auto& c = data.emplace<store::FixedBytesColumn>(width);
      std::string_view raw;
      if (rows > in.left() / static_cast<uint64_t>(width) ||
          !in.take(rows * static_cast<uint64_t>(width), raw))
        return corrupt("fixed bytes run past the end");
      c.data.assign(raw);
      return {};
    }
    case Tag::map: {
      auto& c = data.emplace<store::MapColumn>();
      HEELER_RETURN_IF_ERROR(get_ends(in, rows, c.offsets));
      uint64_t entries = static_cast<uint64_t>(c.offsets.back());
      HEELER_RETURN_IF_ERROR(get_string_column(in, entries, c.keys));
      return get_string_column(in, entries, c.values);
    }
  }
  return corrupt("unknown column type");
}

// ---- record framing --------------------------------------------------------------
//
// [u32 payload length][u32 checksum][u64 sequence][payload], payload = [u16 table
// length][table][encoded batch]. The checksum is xxh32 of the payload mixed with the
// xxh32 of the sequence, so a damaged header is caught as well as damaged data.
constexpr size_t kHeader = 16;
constexpr uint32_t kMaxPayload = 1u << 31;

uint32_t seq_hash(uint64_t seq) {
  return XXH32(&seq, sizeof seq, 0x57414c31);
}

struct Header {
  uint32_t length = 0;
  uint32_t checksum = 0;
  uint64_t sequence = 0;
};

Header parse_header(const char* p) {
  Header h;
  std::memcpy(&h.length, p, 4);
  std::memcpy(&h.checksum, p + 4, 4);
  std::memcpy(&h.sequence, p + 8, 8);
  return h;
}

core::Result<WalRecord> decode_payload(uint64_t seq, std::string_view payload) {
  Reader in(payload);
  uint16_t len = 0;
  std::string_view table;
  if (!in.get(len) || !in.take(len, table)) return corrupt("record table name");
  auto batch = decode_batch(payload.substr(2 + len));
  if (!batch) return batch.status();
  WalRecord r;
  r.sequence = seq;
  r.table.assign(table);
  r.batch = std::move(*batch);
  return r;
}

std::string segment_name(uint64_t first) {
  return fmt::format("{:020}.wal", first);
}

core::Status io_error(std::string_view what, const fs::path& path, int err = errno) {
  return core::error(Code::io_error, "{} {}: {}", what, path.string(), std::strerror(err));
}

core::Status write_all(int fd, const char* p, size_t n, const fs::path& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

bool read_exact(int fd, char* p, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return true;
}

core::Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return {};
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct Segment {
  uint64_t first = 0;  // sequence in the name
  uint64_t last = 0;   // last durable record (0: none yet)
  uint64_t bytes = 0;  // durable bytes
  fs::path path;
};

// Checkpoint file: [u64 checkpoint][u64 pending first][u64 pending last][u32 xxh32].
constexpr const char* kCheckpointFile = "checkpoint";

struct CheckpointState {
  uint64_t checkpoint = 0;
  uint64_t pending_first = 0;
  uint64_t pending_last = 0;
};

class WalImpl final : public WriteAheadLog {
 public:
  WalImpl(WalConfig config, core::Metrics& metrics)
      : config_(std::move(config)),
        appended_records_(metrics.counter("heeler_wal_appended_records_total",
                                          "Records appended to the write-ahead log.")),
        appended_bytes_(metrics.counter("heeler_wal_appended_bytes_total",
                                        "Bytes appended to the write-ahead log.")),
        fsyncs_(
            metrics.counter("heeler_wal_fsyncs_total", "fdatasync calls of the write-ahead log.")),
        pending_gauge_(metrics.gauge("heeler_wal_pending_bytes",
                                     "Bytes in the write-ahead log not yet in the store.")),
        rejected_(metrics.counter("heeler_wal_rejected_total",
                                  "Appends refused because the write-ahead log was full.")),
        recovered_(metrics.counter("heeler_wal_recovered_records_total",
                                   "Records found undrained in the write-ahead log at start.")),
        truncated_(
            metrics.counter("heeler_wal_truncated_bytes_total",
                            "Bytes of torn or corrupt records cut from segments at start.")) {}

  ~WalImpl() override { close(); }

  core::Status recover();
  void start_flusher() {
    flusher_ = std::thread([this] { flush_loop(); });
  }

  core::Result<uint64_t> append(std::string_view table, const ColumnBatch& batch) override {
    std::pair<std::string_view, const ColumnBatch*> one{table, &batch};
    return append_all(std::span(&one, 1));
  }

  core::Result<uint64_t> append_all(
      std::span<const std::pair<std::string_view, const ColumnBatch*>> records) override;
  core::Result<std::vector<WalRecord>> read(uint64_t after, size_t max_records, uint64_t max_bytes,
                                            std::chrono::milliseconds wait) override;
  core::Status checkpoint(uint64_t sequence) override;
  uint64_t checkpointed() const override {
    std::lock_guard lk(mu_);
    return state_.checkpoint;
  }
  uint64_t last_sequence() const override {
    std::lock_guard lk(mu_);
    return durable_;
  }
  uint64_t pending_bytes() const override {
    std::lock_guard lk(mu_);
    return pending_bytes_;
  }
  core::Status set_pending_group(uint64_t first, uint64_t last) override;
  std::pair<uint64_t, uint64_t> pending_group() const override {
    std::lock_guard lk(mu_);
    return {state_.pending_first, state_.pending_last};
  }
  void close() override;

 private:
  struct Queued {
    uint64_t sequence;
    std::string bytes;  // header + payload
  };

  void flush_loop();
  core::Status write_group(std::vector<Queued>& group);
  core::Status roll(uint64_t first);
  core::Status write_checkpoint(const CheckpointState& state);
  core::Status scan_segment(Segment& seg, bool last);

  WalConfig config_;
  core::Counter& appended_records_;
  core::Counter& appended_bytes_;
  core::Counter& fsyncs_;
  core::Gauge& pending_gauge_;
  core::Counter& rejected_;
  core::Counter& recovered_;
  core::Counter& truncated_;

  mutable std::mutex mu_;
  std::condition_variable flusher_cv_;
  std::condition_variable durable_cv_;  // appenders and readers
  std::vector<Queued> queue_;
  uint64_t queue_bytes_ = 0;
  std::chrono::steady_clock::time_point queue_since_;
  uint64_t next_seq_ = 1;
  uint64_t durable_ = 0;
  core::Status broken_;
  bool closing_ = false;
  bool closed_ = false;
  CheckpointState state_;
  uint64_t pending_bytes_ = 0;
  std::deque<std::pair<uint64_t, uint64_t>> pending_records_;  // (sequence, bytes) > checkpoint
  std::vector<Segment> segments_;
  struct Hint {
    uint64_t segment = 0;
    uint64_t next_seq = 0;
    uint64_t offset = 0;
  } hint_;

  std::mutex checkpoint_mu_;  // serialises checkpoint file writes
  std::mutex close_mu_;
  std::thread flusher_;

  // Owned by the flusher thread.
  Fd fd_;
  uint64_t fd_bytes_ = 0;
};

core::Status WalImpl::write_checkpoint(const CheckpointState& s) {
  std::string buf;
  put(buf, s.checkpoint);
  put(buf, s.pending_first);
  put(buf, s.pending_last);
  put(buf, XXH32(buf.data(), buf.size(), 0));
  fs::path tmp = config_.dir / "checkpoint.tmp";
  fs::path dst = config_.dir / kCheckpointFile;
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return io_error("cannot create", tmp);
  HEELER_RETURN_IF_ERROR(write_all(fd.get(), buf.data(), buf.size(), tmp));
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync", tmp);
  fd.reset();
  if (::rename(tmp.c_str(), dst.c_str()) != 0) return io_error("cannot rename", tmp);
  return fsync_dir(config_.dir);
}

core::Status WalImpl::scan_segment(Segment& seg, bool last) {
  Fd fd(::open(seg.path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return io_error("cannot open", seg.path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", seg.path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = 0;
  uint64_t expect = seg.first;
  std::string payload;
  std::string_view problem;
  while (offset < size) {
    char head[kHeader];
    if (size - offset < kHeader || !read_exact(fd.get(), head, kHeader, offset)) {
      problem = "torn record header";
      break;
    }
    Header h = parse_header(head);
    if (h.sequence != expect) {
      problem = "unexpected sequence number";
      break;
    }
    if (h.length > kMaxPayload || h.length > size - offset - kHeader) {
      problem = "record runs past the end of the segment";
      break;
    }
    payload.resize(h.length);
    if (!read_exact(fd.get(), payload.data(), h.length, offset + kHeader)) {
      problem = "unreadable record";
      break;
    }
    if ((XXH32(payload.data(), payload.size(), 0) ^ seq_hash(h.sequence)) != h.checksum) {
      problem = "checksum mismatch";
      break;
    }
    offset += kHeader + h.length;
    seg.last = h.sequence;
    if (h.sequence > state_.checkpoint) {
      pending_records_.emplace_back(h.sequence, kHeader + h.length);
      pending_bytes_ += kHeader + h.length;
      recovered_.inc();
    }
    ++expect;
  }
  seg.bytes = offset;
  if (offset < size) {
    core::log::warn("wal", "cutting a torn or corrupt tail from a segment",
                    {{"segment", seg.path.filename().string()},
                     {"reason", std::string(problem)},
                     {"valid_bytes", std::to_string(offset)},
                     {"cut_bytes", std::to_string(size - offset)},
                     {"last_segment", last ? "true" : "false"}});
    truncated_.inc(size - offset);
    if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0)
      return io_error("cannot truncate", seg.path);
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync", seg.path);
  }
  return {};
}

core::Status WalImpl::recover() {
  std::error_code ec;
  fs::create_directories(config_.dir, ec);
  if (ec)
    return core::error(Code::io_error, "cannot create {}: {}", config_.dir.string(), ec.message());
  if (::access(config_.dir.c_str(), W_OK) != 0) return io_error("cannot write to", config_.dir);

  // Checkpoint.
  fs::path cp = config_.dir / kCheckpointFile;
  if (fs::exists(cp, ec)) {
    Fd fd(::open(cp.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[28];
    if (!fd || !read_exact(fd.get(), buf, sizeof buf, 0))
      return core::error(Code::io_error, "cannot read the write-ahead log checkpoint {}",
                         cp.string());
    uint32_t sum = 0;
    std::memcpy(&sum, buf + 24, 4);
    if (XXH32(buf, 24, 0) != sum)
      return core::error(Code::io_error, "the write-ahead log checkpoint {} is corrupt",
                         cp.string());
    std::memcpy(&state_.checkpoint, buf, 8);
    std::memcpy(&state_.pending_first, buf + 8, 8);
    std::memcpy(&state_.pending_last, buf + 16, 8);
  }

  // Segments, in sequence order.
  for (const auto& entry : fs::directory_iterator(config_.dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 24 || name.substr(20) != ".wal") continue;
    uint64_t first = 0;
    auto [p, err] = std::from_chars(name.data(), name.data() + 20, first);
    if (err != std::errc() || p != name.data() + 20 || first == 0) continue;
    segments_.push_back(Segment{first, 0, 0, entry.path()});
  }
  if (ec)
    return core::error(Code::io_error, "cannot list {}: {}", config_.dir.string(), ec.message());
  std::sort(segments_.begin(), segments_.end(),
            [](const Segment& a, const Segment& b) { return a.first < b.first; });

  uint64_t last_seq = state_.checkpoint;
  std::vector<Segment> kept;
  for (size_t i = 0; i < segments_.size(); ++i) {
    Segment& seg = segments_[i];
    HEELER_RETURN_IF_ERROR(scan_segment(seg, i + 1 == segments_.size()));
    if (seg.last == 0 || seg.last <= state_.checkpoint) {
      if (::unlink(seg.path.c_str()) != 0) return io_error("cannot remove", seg.path);
      continue;
    }
    last_seq = std::max(last_seq, seg.last);
    kept.push_back(std::move(seg));
  }
  segments_ = std::move(kept);
  HEELER_RETURN_IF_ERROR(fsync_dir(config_.dir));
  durable_ = last_seq;
  next_seq_ = last_seq + 1;
  pending_gauge_.set(static_cast<double>(pending_bytes_));
  if (!pending_records_.empty())
    core::log::info("wal", "recovered undrained records",
                    {{"records", std::to_string(pending_records_.size())},
                     {"bytes", std::to_string(pending_bytes_)},
                     {"checkpoint", std::to_string(state_.checkpoint)},
                     {"last_sequence", std::to_string(durable_)}});
  return {};
}

core::Result<uint64_t> WalImpl::append_all(
    std::span<const std::pair<std::string_view, const ColumnBatch*>> records) {
  if (records.empty()) return core::error(Code::invalid_argument, "nothing to append");
  std::vector<Queued> framed;
  framed.reserve(records.size());
  std::vector<uint32_t> sums;
  uint64_t total = 0;
  for (const auto& [table, batch] : records) {
    if (table.empty() || table.size() > 0xFFFF)
      return core::error(Code::invalid_argument, "bad table name for the write-ahead log");
    std::string bytes(kHeader, '\0');
    put<uint16_t>(bytes, static_cast<uint16_t>(table.size()));
    bytes.append(table);
    bytes.append(encode_batch(*batch));
    uint64_t length = bytes.size() - kHeader;
    if (length > kMaxPayload)
      return core::error(Code::payload_too_large,
                         "a batch of {} bytes is too large for the write-ahead log", length);
    uint32_t len32 = static_cast<uint32_t>(length);
    std::memcpy(bytes.data(), &len32, 4);
    sums.push_back(XXH32(bytes.data() + kHeader, length, 0));
    total += bytes.size();
    framed.push_back(Queued{0, std::move(bytes)});
  }

  std::unique_lock lk(mu_);
  if (closing_)
    return core::error(Code::unavailable, "the write-ahead log is closing; retry later");
  if (!broken_.ok()) return broken_;
  if (pending_bytes_ > 0 && pending_bytes_ + total > config_.max_pending_bytes) {
    rejected_.inc();
    return core::error(Code::unavailable,
                       "write-ahead log is full ({} bytes waiting for the store); retry later",
                       pending_bytes_);
  }
  if (queue_.empty()) queue_since_ = std::chrono::steady_clock::now();
  uint64_t last = 0;
  for (size_t i = 0; i < framed.size(); ++i) {
    Queued& q = framed[i];
    q.sequence = next_seq_++;
    uint32_t sum = sums[i] ^ seq_hash(q.sequence);
    std::memcpy(q.bytes.data() + 4, &sum, 4);
    std::memcpy(q.bytes.data() + 8, &q.sequence, 8);
    pending_records_.emplace_back(q.sequence, q.bytes.size());
    last = q.sequence;
    queue_bytes_ += q.bytes.size();
    queue_.push_back(std::move(q));
  }
  pending_bytes_ += total;
  pending_gauge_.set(static_cast<double>(pending_bytes_));
  flusher_cv_.notify_one();
  durable_cv_.wait(lk, [&] { return durable_ >= last || !broken_.ok(); });
  if (durable_ < last) return broken_;
  return last;
}

core::Status WalImpl::roll(uint64_t first) {
  if (fd_) {
    if (::fdatasync(fd_.get()) != 0) return io_error("cannot fdatasync a segment in", config_.dir);
    fsyncs_.inc();
    fd_.reset();
  }
  fs::path path = config_.dir / segment_name(first);
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
  if (!fd) return io_error("cannot create", path);
  HEELER_RETURN_IF_ERROR(fsync_dir(config_.dir));
  fd_ = std::move(fd);
  fd_bytes_ = 0;
  std::lock_guard lk(mu_);
  segments_.push_back(Segment{first, 0, 0, path});
  return {};
}

core::Status WalImpl::write_group(std::vector<Queued>& group) {
  // Consecutive records of one segment are written with one call.
  std::string buf;
  uint64_t seg_last = 0;
  auto flush_buf = [&]() -> core::Status {
    if (buf.empty()) return {};
    HEELER_RETURN_IF_ERROR(write_all(fd_.get(), buf.data(), buf.size(), config_.dir));
    fd_bytes_ += buf.size();
    {
      std::lock_guard lk(mu_);
      segments_.back().last = seg_last;
    }
    buf.clear();
    return {};
  };
  for (Queued& q : group) {
    uint64_t seg_size = fd_bytes_ + buf.size();
    if (!fd_ || (seg_size > 0 && seg_size + q.bytes.size() > config_.segment_bytes)) {
      HEELER_RETURN_IF_ERROR(flush_buf());
      HEELER_RETURN_IF_ERROR(roll(q.sequence));
    }
    buf.append(q.bytes);
    seg_last = q.sequence;
    appended_bytes_.inc(q.bytes.size());
  }
  HEELER_RETURN_IF_ERROR(flush_buf());
  if (::fdatasync(fd_.get()) != 0) return io_error("cannot fdatasync a segment in", config_.dir);
  fsyncs_.inc();
  appended_records_.inc(group.size());
  std::lock_guard lk(mu_);
  segments_.back().bytes = fd_bytes_;
  return {};
}

void WalImpl::flush_loop() {
  std::unique_lock lk(mu_);
  while (true) {
    flusher_cv_.wait(lk, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;
    if (!closing_ && config_.group_commit_window.count() > 0)
      flusher_cv_.wait_until(lk, queue_since_ + config_.group_commit_window,
                             [&] { return closing_ || queue_bytes_ >= (8u << 20); });
    std::vector<Queued> group = std::move(queue_);
    queue_.clear();
    queue_bytes_ = 0;
    lk.unlock();
    core::Status st = broken_.ok() ? write_group(group) : broken_;
    lk.lock();
    if (st.ok()) {
      durable_ = group.back().sequence;
    } else if (broken_.ok()) {
      core::log::error("wal", "write-ahead log write failed; refusing further appends",
                       {{"error", st.to_string()}});
      broken_ = st;
    }
    durable_cv_.notify_all();
  }
}

core::Result<std::vector<WalRecord>> WalImpl::read(uint64_t after, size_t max_records,
                                                   uint64_t max_bytes,
                                                   std::chrono::milliseconds wait) {
  std::vector<WalRecord> out;
  if (max_records == 0) return out;
  std::vector<Segment> segs;
  uint64_t durable = 0;
  Hint hint;
  {
    std::unique_lock lk(mu_);
    durable_cv_.wait_for(lk, wait, [&] { return durable_ > after || closing_; });
    if (durable_ <= after) return out;
    durable = durable_;
    hint = hint_;
    for (const Segment& s : segments_)
      if (s.last > after || (s.last == 0 && s.first <= durable)) segs.push_back(s);
  }
  uint64_t bytes = 0;
  std::string payload;
  for (const Segment& seg : segs) {
    Fd fd(::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (seg.last != 0 && seg.last <= after) continue;
      return io_error("cannot open", seg.path);
    }
    uint64_t offset = 0;
    if (hint.segment == seg.first && hint.next_seq <= after + 1) offset = hint.offset;
    while (true) {
      char head[kHeader];
      if (!read_exact(fd.get(), head, kHeader, offset)) break;  // end of the segment
      Header h = parse_header(head);
      if (h.sequence > durable) break;
      if (h.sequence <= after) {
        offset += kHeader + h.length;
        continue;
      }
      payload.resize(h.length);
      if (!read_exact(fd.get(), payload.data(), h.length, offset + kHeader) ||
          (XXH32(payload.data(), payload.size(), 0) ^ seq_hash(h.sequence)) != h.checksum)
        return core::error(Code::io_error, "write-ahead log record {} in {} is damaged", h.sequence,
                           seg.path.string());
      auto record = decode_payload(h.sequence, payload);
      if (!record)
        return core::error(Code::io_error, "write-ahead log record {} cannot be decoded: {}",
                           h.sequence, record.status().message());
      out.push_back(std::move(*record));
      offset += kHeader + h.length;
      bytes += kHeader + h.length;
      if (out.size() >= max_records || bytes >= max_bytes || h.sequence >= durable) {
        std::lock_guard lk(mu_);
        hint_ = Hint{seg.first, h.sequence + 1, offset};
        return out;
      }
    }
  }
  if (!out.empty()) {
    std::lock_guard lk(mu_);
    hint_ = Hint{};
  }
  return out;
}

core::Status WalImpl::set_pending_group(uint64_t first, uint64_t last) {
  std::lock_guard cp(checkpoint_mu_);
  CheckpointState s;
  {
    std::lock_guard lk(mu_);
    s = state_;
  }
  s.pending_first = first;
  s.pending_last = last;
  HEELER_RETURN_IF_ERROR(write_checkpoint(s));
  std::lock_guard lk(mu_);
  state_.pending_first = first;
  state_.pending_last = last;
  return {};
}

core::Status WalImpl::checkpoint(uint64_t sequence) {
  std::lock_guard cp(checkpoint_mu_);
  CheckpointState s;
  {
    std::lock_guard lk(mu_);
    if (sequence > durable_)
      return core::error(Code::invalid_argument, "cannot checkpoint {}: the log ends at {}",
                         sequence, durable_);
    if (sequence <= state_.checkpoint) return {};
    s = state_;
  }
  s.checkpoint = sequence;
  if (s.pending_last <= sequence) s.pending_first = s.pending_last = 0;
  HEELER_RETURN_IF_ERROR(write_checkpoint(s));
  std::vector<fs::path> doomed;
  {
    std::lock_guard lk(mu_);
    state_ = s;
    while (!pending_records_.empty() && pending_records_.front().first <= sequence) {
      pending_bytes_ -= pending_records_.front().second;
      pending_records_.pop_front();
    }
    pending_gauge_.set(static_cast<double>(pending_bytes_));
    // The newest segment may still be written to; it stays.
    std::vector<Segment> kept;
    for (size_t i = 0; i < segments_.size(); ++i) {
      Segment& seg = segments_[i];
      if (i + 1 < segments_.size() && seg.last != 0 && seg.last <= sequence)
        doomed.push_back(seg.path);
      else
        kept.push_back(std::move(seg));
    }
    segments_ = std::move(kept);
  }
  for (const auto& path : doomed)
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", path);
  return {};
}

void WalImpl::close() {
  std::lock_guard c(close_mu_);
  if (closed_) return;
  {
    std::lock_guard lk(mu_);
    closing_ = true;
  }
  flusher_cv_.notify_all();
  durable_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  fd_.reset();
  closed_ = true;
}

}  // namespace

core::Status WalConfig::validate() const {
  if (dir.empty()) return core::error(Code::config_invalid, "wal: the directory is not set");
  if (segment_bytes < 4096)
    return core::error(Code::config_invalid, "wal.segment_bytes must be at least 4096, not {}",
                       segment_bytes);
  if (max_pending_bytes < segment_bytes)
    return core::error(Code::config_invalid,
                       "wal.max_pending_bytes ({}) must be at least wal.segment_bytes ({})",
                       max_pending_bytes, segment_bytes);
  if (group_commit_window.count() < 0 || group_commit_window > std::chrono::seconds(1))
    return core::error(Code::config_invalid,
                       "wal: the group commit window must be between 0 and 1 s");
  return {};
}

core::Result<std::unique_ptr<WriteAheadLog>> WriteAheadLog::open(WalConfig config,
                                                                 core::Metrics& metrics) {
  HEELER_RETURN_IF_ERROR(config.validate());
  auto wal = std::make_unique<WalImpl>(std::move(config), metrics);
  HEELER_RETURN_IF_ERROR(wal->recover());
  wal->start_flusher();
  return std::unique_ptr<WriteAheadLog>(std::move(wal));
}

std::string encode_batch(const ColumnBatch& batch) {
  std::string out;
  out.reserve(batch.byte_size() + 16 + batch.columns().size() * 32);
  const uint64_t rows = batch.rows();
  put<uint32_t>(out, kBatchMagic);
  put<uint32_t>(out, static_cast<uint32_t>(batch.columns().size()));
  put<uint64_t>(out, rows);
  for (const store::Column& column : batch.columns()) {
    put<uint16_t>(out, static_cast<uint16_t>(std::min<size_t>(column.name.size(), 0xFFFF)));
    out.append(column.name.data(), std::min<size_t>(column.name.size(), 0xFFFF));
    std::visit(
        [&](const auto& c) {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, store::StringColumn>) {
            put(out, Tag::string);
            put_string_column(out, c);
          } else if constexpr (std::is_same_v<C, store::FixedBytesColumn>) {
            put(out, Tag::fixed_bytes);
            put<int32_t>(out, c.width);
            out.append(c.data);
          } else if constexpr (std::is_same_v<C, store::MapColumn>) {
            put(out, Tag::map);
            put_ends(out, c.offsets);
            put_string_column(out, c.keys);
            put_string_column(out, c.values);
          } else if constexpr (std::is_same_v<C, store::TimestampColumn>) {
            put(out, Tag::timestamp);
            out.append(reinterpret_cast<const char*>(c.values.data()),
                       c.values.size() * sizeof(int64_t));
          } else {
            using V = typename decltype(c.values)::value_type;
            put(out, tag_of<V>());
            out.append(reinterpret_cast<const char*>(c.values.data()), c.values.size() * sizeof(V));
          }
        },
        column.data);
  }
  return out;
}

core::Result<ColumnBatch> decode_batch(std::string_view bytes) {
  Reader in(bytes);
  uint32_t magic = 0, columns = 0;
  uint64_t rows = 0;
  if (!in.get(magic) || magic != kBatchMagic) return corrupt("missing header");
  if (!in.get(columns) || !in.get(rows)) return corrupt("truncated header");
  // Every column takes at least 3 bytes, so the count is bounded by the input.
  if (columns > in.left() / 3) return corrupt("more columns than bytes");
  ColumnBatch batch;
  for (uint32_t i = 0; i < columns; ++i) {
    uint16_t len = 0;
    std::string_view name;
    uint8_t tag = 0;
    if (!in.get(len) || !in.take(len, name) || !in.get(tag))
      return corrupt("truncated column header");
    if (tag > static_cast<uint8_t>(Tag::map)) return corrupt("unknown column type");
    store::ColumnData data;
    HEELER_RETURN_IF_ERROR(get_column(in, static_cast<Tag>(tag), rows, data));
    batch.columns().push_back(store::Column{std::string(name), std::move(data)});
  }
  if (in.left() != 0) return corrupt("trailing bytes");
  if (columns == 0 && rows != 0) return corrupt("rows without columns");
  if (auto st = batch.validate(); !st.ok()) return corrupt(st.message());
  return batch;
}

}  // namespace heeler::pipeline
