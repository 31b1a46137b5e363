// The 64 MiB a warehouse load holds of one record (the readers' limit, and what a reject keeps
// well inside PostgreSQL's 1 GB for one value): over it, an NDJSON line is rejected without its
// record and the load goes on; a CSV record fails the file naming its line.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

class WarehouseLimits : public PgTest {};

// Records are held up to 64 MiB (the most a reject keeps). An NDJSON line over it is skipped to
// its end and rejected by its line and size, its record not kept (null), and the load goes on.
TEST_F(WarehouseLimits, AnNdjsonLineOverTheRecordLimitIsRejectedWithoutItsRecord) {
  const std::string big = "{\"name\":\"" + std::string((size_t{64} << 20) - 10, 'x') + "\"}";
  ASSERT_EQ(big.size(), (size_t{64} << 20) + 1);
  const std::string file = "{\"name\":\"B1\"}\n" + big + "\n{\"name\":\"B3\"}\n";
  RunResult r =
      RunSluice({"warehouse", "load", "-m", "book", WriteTempFile("big.ndjson", file)}, url());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"), "B1,B3");
  EXPECT_EQ(Scalar("SELECT position || ' ' || (record IS NULL)::text || ' ' || reason "
                   "FROM load_rejects"),
            "line 2 true the record is over 67108864 bytes, the most one may take (it has "
            "67108865); not kept");
}

// A CSV record over 64 MiB fails the file naming its line: a quote left open would make the rest
// of the file one record, so no later line can be trusted to start one. Nothing is loaded.
TEST_F(WarehouseLimits, ACsvRecordOverTheRecordLimitFailsTheFileNamingItsLine) {
  const size_t big = (size_t{64} << 20) + 1 - std::string(",1,English,9,").size();
  std::string file = "title,duration_mins,original_language,size_mb\nHeat,170,English,9\n" +
                     std::string(big, 'x') + ",1,English,9,\nRan,160,Japanese,7\n";
  RunResult r =
      RunSluice({"warehouse", "load", "-m", "movie", WriteTempFile("big.csv", file)}, url());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("big.csv: line 3: the record is over 67108864 bytes"), std::string::npos)
      << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "0");
}

}  // namespace
}  // namespace sluice
