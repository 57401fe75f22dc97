#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "capture_consumer.h"
#include "intake/dogstatsd/dogstatsd.h"

namespace heeler::intake {
namespace {

// Binds a UDP socket on a free loopback port and keeps it (to test "in use") or
// closes it and returns the port.
uint16_t udp_port(int* keep = nullptr) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (keep) {
    *keep = fd;
  } else {
    close(fd);
  }
  return ntohs(addr.sin_port);
}

void send_udp(uint16_t port, const std::string& payload) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                   sizeof addr),
            static_cast<ssize_t>(payload.size()));
  close(fd);
}

void send_unix(const std::string& path, const std::string& payload) {
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  EXPECT_EQ(sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                   sizeof addr),
            static_cast<ssize_t>(payload.size()));
  close(fd);
}

struct Harness {
  Harness() {
    config.dogstatsd_listen = {"127.0.0.1", 0};
    config.dogstatsd.flush_interval_seconds = 3600;  // only the flush at stop
  }
  std::unique_ptr<Receiver> make() {
    ReceiverContext context{config, consumer, metrics, api, otlp, apm};
    return make_dogstatsd_receiver(context);
  }
  core::Config config;
  CaptureConsumer consumer;
  core::Metrics metrics;
  net::Router api, otlp, apm;
};

TEST(DogstatsdReceiver, DisabledWithoutPortOrSocket) {
  Harness h;
  EXPECT_EQ(h.make(), nullptr);
  net::Request request;
  request.method = "POST";
  request.path = "/dogstatsd/v2/proxy";
  EXPECT_EQ(h.apm.dispatch(request).status, 404);
}

TEST(DogstatsdReceiver, StopWithoutStartAndTwice) {
  Harness h;
  h.config.dogstatsd_listen.port = udp_port();
  auto receiver = h.make();
  ASSERT_NE(receiver, nullptr);
  receiver->stop();
  ASSERT_TRUE(receiver->start().ok());
  receiver->stop();
  receiver->stop();
}

TEST(DogstatsdReceiver, UdpDatagramsAreAggregatedAndFlushedAtStop) {
  Harness h;
  h.config.dogstatsd_listen.port = udp_port();
  auto receiver = h.make();
  ASSERT_NE(receiver, nullptr);
  ASSERT_TRUE(receiver->start().ok());
  send_udp(h.config.dogstatsd_listen.port, "udp.count:2|c|#a:b\nudp.count:3|c|#a:b");
  send_udp(h.config.dogstatsd_listen.port, "udp.gauge:7|g");
  send_udp(h.config.dogstatsd_listen.port, "broken");
  receiver->stop();
  auto count = h.consumer.find("udp.count", {{"a", "b"}});
  ASSERT_EQ(count.size(), 1u);
  EXPECT_DOUBLE_EQ(count[0].value, 5);
  ASSERT_EQ(h.consumer.find("udp.gauge").size(), 1u);
  EXPECT_DOUBLE_EQ(h.consumer.find("udp.gauge")[0].value, 7);
  EXPECT_EQ(h.metrics.counter("heeler_dogstatsd_packets_total", "").value(), 3u);
  EXPECT_EQ(
      h.metrics.counter("heeler_dogstatsd_lines_dropped_total", "", {{"reason", "missing_value"}})
          .value(),
      1u);
}

TEST(DogstatsdReceiver, UnixDatagramSocket) {
  Harness h;
  h.config.dogstatsd_listen.port = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("heeler-dsd-" + std::to_string(getpid()) + "-" + std::to_string(rand()));
  std::filesystem::create_directories(dir);
  h.config.dogstatsd.socket_path = (dir / "dsd.sock").string();
  auto receiver = h.make();
  ASSERT_NE(receiver, nullptr);
  ASSERT_TRUE(receiver->start().ok());
  EXPECT_TRUE(std::filesystem::exists(h.config.dogstatsd.socket_path));
  send_unix(h.config.dogstatsd.socket_path, "uds.count:4|c");
  receiver->stop();
  EXPECT_FALSE(std::filesystem::exists(h.config.dogstatsd.socket_path));
  ASSERT_EQ(h.consumer.find("uds.count").size(), 1u);
  EXPECT_DOUBLE_EQ(h.consumer.find("uds.count")[0].value, 4);
  std::filesystem::remove_all(dir);
}

TEST(DogstatsdReceiver, ProxyRouteFeedsTheSameAggregator) {
  Harness h;
  h.config.dogstatsd_listen.port = udp_port();
  auto receiver = h.make();
  ASSERT_NE(receiver, nullptr);
  ASSERT_TRUE(receiver->start().ok());
  net::Request request;
  request.method = "POST";
  request.path = "/dogstatsd/v2/proxy";
  request.body =
      "runtime.node.cpu.user:4.90|g|#service:capture-svc,env:capture-env|c:in-1\n"
      "runtime.node.event_loop.delay.sum:10|c|#service:capture-svc|c:in-1\n";
  EXPECT_EQ(h.apm.dispatch(request).status, 200);
  send_udp(h.config.dogstatsd_listen.port,
           "runtime.node.event_loop.delay.sum:5|c|#service:capture-svc");
  receiver->stop();
  auto cpu = h.consumer.find("runtime.node.cpu.user", {{"service", "capture-svc"}});
  ASSERT_EQ(cpu.size(), 1u);
  EXPECT_DOUBLE_EQ(cpu[0].value, 4.9);
  auto sum = h.consumer.find("runtime.node.event_loop.delay.sum");
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_DOUBLE_EQ(sum[0].value, 15);
}

TEST(DogstatsdReceiver, StartFailsWhenThePortIsTaken) {
  Harness h;
  int holder = -1;
  h.config.dogstatsd_listen.port = udp_port(&holder);
  auto receiver = h.make();
  ASSERT_NE(receiver, nullptr);
  core::Status st = receiver->start();
  EXPECT_EQ(st.code(), core::Code::io_error);
  receiver->stop();
  close(holder);
}

}  // namespace
}  // namespace heeler::intake
