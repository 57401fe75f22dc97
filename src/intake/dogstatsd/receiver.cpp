#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "intake/dogstatsd/aggregator.h"
#include "intake/dogstatsd/dogstatsd.h"

namespace heeler::intake {
namespace {

constexpr size_t kDatagramBytes = 64 * 1024;
constexpr size_t kBatch = 16;            // datagrams per recvmmsg
constexpr int kReceiveBuffer = 8 << 20;  // SO_RCVBUF asked for; the kernel may cap it

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::Status socket_error(std::string_view what, const std::string& where) {
  return core::error(core::Code::io_error, "dogstatsd: {} {}: {}", what, where,
                     std::strerror(errno));
}

// Past net.core.rmem_max only with CAP_NET_ADMIN (SO_RCVBUFFORCE); else up to the cap.
void grow_receive_buffer(int fd) {
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
}

class DogstatsdReceiver final : public Receiver {
 public:
  DogstatsdReceiver(const core::Config& config, std::shared_ptr<Aggregator> aggregator)
      : listen_(config.dogstatsd_listen),
        socket_path_(config.dogstatsd.socket_path),
        aggregator_(std::move(aggregator)) {}
  ~DogstatsdReceiver() override { stop(); }

  core::Status start() override {
    if (started_) return {};
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return socket_error("eventfd", "");
    if (listen_.enabled()) {
      if (core::Status st = open_udp(); !st.ok()) {
        close_all();
        return st;
      }
    }
    if (!socket_path_.empty()) {
      if (core::Status st = open_unix(); !st.ok()) {
        close_all();
        return st;
      }
    }
    started_ = true;
    for (int fd : fds_) threads_.emplace_back([this, fd] { receive_loop(fd); });
    threads_.emplace_back([this] { flush_loop(); });
    core::log::info("dogstatsd", "listening",
                    {{"udp", listen_.enabled() ? listen_.to_string() : std::string("off")},
                     {"socket", socket_path_.empty() ? std::string("off") : socket_path_}});
    return {};
  }

  void stop() override {
    if (!started_) return;
    started_ = false;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
    for (auto& t : threads_) t.join();
    threads_.clear();
    close_all();
    aggregator_->flush(now_ms(), true);
  }

 private:
  core::Status open_udp() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string port = std::to_string(listen_.port);
    if (int rc = getaddrinfo(listen_.host.empty() ? nullptr : listen_.host.c_str(), port.c_str(),
                             &hints, &found);
        rc != 0)
      return core::error(core::Code::config_invalid, "dogstatsd: cannot resolve {}: {}",
                         listen_.to_string(), gai_strerror(rc));
    int fd = socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      freeaddrinfo(found);
      return socket_error("socket for", listen_.to_string());
    }
    fds_.push_back(fd);
    grow_receive_buffer(fd);
    int rc = bind(fd, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    if (rc != 0) return socket_error("cannot bind", listen_.to_string());
    return {};
  }

  core::Status open_unix() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof addr.sun_path)
      return core::error(core::Code::config_invalid, "dogstatsd.socket_path is too long: {}",
                         socket_path_);
    std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return socket_error("socket for", socket_path_);
    fds_.push_back(fd);
    grow_receive_buffer(fd);
    unlink(socket_path_.c_str());  // a socket file left by an earlier run
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      return socket_error("cannot bind", socket_path_);
    bound_unix_ = true;
    return {};
  }

  void close_all() {
    for (int fd : fds_) close(fd);
    fds_.clear();
    if (wake_fd_ >= 0) close(wake_fd_);
    wake_fd_ = -1;
    if (bound_unix_) unlink(socket_path_.c_str());
    bound_unix_ = false;
    stopping_ = false;
  }

  void receive_loop(int fd) {
    std::vector<char> buffers(kBatch * kDatagramBytes);
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    pollfd pfds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    while (true) {
      if (poll(pfds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        core::log::error("dogstatsd", "poll failed", {{"error", std::strerror(errno)}});
        return;
      }
      const bool stopping = pfds[1].revents != 0;  // read what is queued, then return
      while (true) {
        for (size_t i = 0; i < kBatch; ++i) {
          iov[i] = {buffers.data() + i * kDatagramBytes, kDatagramBytes};
          msgs[i] = {};
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;
        int64_t now = now_ms();
        for (int i = 0; i < n; ++i)
          aggregator_->ingest(
              std::string_view(buffers.data() + i * kDatagramBytes, msgs[i].msg_len), now);
        if (static_cast<size_t>(n) < kBatch) break;
      }
      if (stopping) return;
    }
  }

  void flush_loop() {
    const int64_t interval = aggregator_->flush_interval_ms();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      int64_t now = now_ms();
      int64_t next = now - now % interval + interval;
      cv_.wait_for(lock, std::chrono::milliseconds(next - now), [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      aggregator_->flush(now_ms());
      lock.lock();
    }
  }

  core::ListenAddress listen_;
  std::string socket_path_;
  std::shared_ptr<Aggregator> aggregator_;
  bool started_ = false;
  bool bound_unix_ = false;
  std::vector<int> fds_;
  int wake_fd_ = -1;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

const bool registered = register_receiver("dogstatsd", make_dogstatsd_receiver);

}  // namespace

std::unique_ptr<Receiver> make_dogstatsd_receiver(ReceiverContext& context) {
  const core::Config& config = context.config;
  if (!config.dogstatsd_listen.enabled() && config.dogstatsd.socket_path.empty()) return nullptr;
  AggregatorOptions options;
  options.flush_interval_ms = int64_t{config.dogstatsd.flush_interval_seconds} * 1000;
  options.max_series = static_cast<size_t>(config.dogstatsd.max_series);
  auto aggregator = std::make_shared<Aggregator>(options, context.consumer, context.metrics);
  context.apm_router.add("POST", "/dogstatsd/v2/proxy", [aggregator](net::Request& request) {
    aggregator->ingest(request.body, now_ms());
    return net::Response::json(200, "{}");
  });
  return std::make_unique<DogstatsdReceiver>(config, std::move(aggregator));
}

}  // namespace heeler::intake
