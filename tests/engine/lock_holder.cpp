// Test helper: opens the embedded engine on a data directory, says "ready" on stdout and
// holds the directory until its stdin closes. Used to test a second process.
#include <unistd.h>

#include <cstdio>

#include "core/metrics.h"
#include "store/embedded_engine.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  heeler::core::Metrics metrics;
  heeler::store::EmbeddedEngineConfig config;
  config.data_dir = argv[1];
  auto engine = heeler::store::make_embedded_engine(config, metrics);
  if (auto st = engine->start(); !st.ok()) {
    std::fprintf(stderr, "lock holder: %s\n", st.to_string().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char buf[64];
  while (::read(0, buf, sizeof(buf)) > 0) {
  }
  engine->stop();
  return 0;
}
