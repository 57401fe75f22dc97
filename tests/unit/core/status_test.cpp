#include "core/status.h"

#include <gtest/gtest.h>

namespace heeler::core {
namespace {

Result<int> half(int v) {
  if (v % 2) return error(Code::invalid_argument, "{} is odd", v);
  return v / 2;
}

Status chain(int v) {
  HEELER_RETURN_IF_ERROR(half(v).status());
  return {};
}

TEST(Status, CodesAndMessages) {
  EXPECT_TRUE(Status().ok());
  Status st = error(Code::payload_too_large, "body is {} bytes", 10);
  EXPECT_EQ(st.code(), Code::payload_too_large);
  EXPECT_EQ(st.to_string(), "payload_too_large: body is 10 bytes");
}

TEST(Result, ValueOrStatus) {
  EXPECT_EQ(*half(4), 2);
  auto odd = half(3);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), Code::invalid_argument);
  EXPECT_EQ(odd.status().message(), "3 is odd");
  EXPECT_TRUE(chain(2).ok());
  EXPECT_EQ(chain(5).code(), Code::invalid_argument);
}

}  // namespace
}  // namespace heeler::core
