// PostgreSQL's 1 GB limit on one value against what a warehouse load keeps of a rejected
// record: one too large to keep is left in its file, said so in the reason, and the load goes on.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

class WarehouseLimits : public PgTest {};

TEST_F(WarehouseLimits, ARejectedRecordTooLargeToKeepIsLeftOutAndSaidSo) {
  // Line 3 has a field too many: a reject, 64 MiB and a byte of it.
  const size_t big = (size_t{64} << 20) + 1 - std::string(",1,English,9,").size();
  std::string file = "title,duration_mins,original_language,size_mb\nHeat,170,English,9\n" +
                     std::string(big, 'x') + ",1,English,9,\nRan,160,Japanese,7\n";
  RunResult r =
      RunSluice({"warehouse", "load", "-m", "movie", WriteTempFile("big.csv", file)}, url());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "2");
  EXPECT_EQ(Scalar("SELECT position || ' ' || (record IS NULL)::text FROM load_rejects"),
            "line 3 true");
  EXPECT_NE(Scalar("SELECT reason FROM load_rejects")
                .find("; the record, 67108865 bytes, is over the 64 MiB a reject keeps and is "
                      "not stored"),
            std::string::npos)
      << Scalar("SELECT reason FROM load_rejects");
}

}  // namespace
}  // namespace sluice
