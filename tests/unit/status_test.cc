#include "core/status.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Result<int> Half(int v) {
  if (v % 2) return InvalidArgument("odd");
  return v / 2;
}

Status Chain(int v, int* out) {
  ASSIGN_OR_RETURN(int h, Half(v));
  RETURN_IF_ERROR_CTX(Half(h).status(), "halving again");
  *out = h;
  return Status::Ok();
}

TEST(Status, ContextIsPrependedOnTheWayUp) {
  int out = 0;
  EXPECT_TRUE(Chain(8, &out).ok());
  EXPECT_EQ(out, 4);
  Status st = Chain(6, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "halving again: odd");
  EXPECT_EQ(Chain(3, &out).message(), "odd");
}

// Taking the value of a failed Result is a bug: the process stops naming the error, rather than
// reading an empty optional (undefined behaviour).
TEST(StatusDeathTest, TheValueOfAFailedResultStopsTheProcessNamingTheError) {
  Result<int> failed = InvalidArgument("odd");
  EXPECT_DEATH((void)*failed, "a result was used although it failed \\(invalid argument\\): odd");
  EXPECT_DEATH((void)failed.value(), "odd");
  Result<std::string> text = NotFound("no such key");
  EXPECT_DEATH((void)text->size(), "not found.*no such key");
}

}  // namespace
}  // namespace sluice
