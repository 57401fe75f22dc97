#include "core/log.h"

#include <gtest/gtest.h>

namespace heeler::core::log {
namespace {

TEST(Log, LogfmtLineQuotesWhatNeedsQuoting) {
  std::string line = format_line(Level::warn, "http", "slow request",
                                 {{"path", "/a b"}, {"status", "200"}, {"q", "x=\"y\"\n"}});
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
  EXPECT_NE(line.find(" level=warn component=http msg=\"slow request\" path=\"/a b\" status=200 "
                      "q=\"x=\\\"y\\\"\\n\"\n"),
            std::string::npos)
      << line;
}

TEST(Log, Levels) {
  Level l;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::debug);
  EXPECT_TRUE(parse_level("warning", l));
  EXPECT_EQ(l, Level::warn);
  EXPECT_FALSE(parse_level("verbose", l));
  set_level(Level::error);
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::error));
  set_level(Level::info);
}

}  // namespace
}  // namespace heeler::core::log
