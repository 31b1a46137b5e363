// The private PostgreSQL the fault scenarios restart does what they rely on: it starts on its
// own port, a restart ends every open session and comes back on the same port with the data
// committed before it, and once stopped nothing listens there.
#include "faults/private_postgres.h"

#include <gtest/gtest.h>

#include <string>

#include "connectors/postgres/pg_connection.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace private_postgres_test {
namespace {

TEST(PrivatePostgres, ARestartEndsSessionsKeepsCommittedDataAndThePort) {
  PrivatePostgres pg;
  std::string error;
  if (!pg.Start(&error)) {
    if (sluice::testing::ServicesRequired()) FAIL() << error;
    GTEST_SKIP() << error;
  }
  EXPECT_NE(pg.url().find(":" + std::to_string(pg.port()) + "/"), std::string::npos) << pg.url();
  auto before = PgConnection::Connect(pg.url());
  ASSERT_TRUE(before.ok()) << before.status().message();
  ASSERT_TRUE(
      (*before)->Exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)", "setup").ok());

  ASSERT_TRUE(pg.Restart(&error)) << error;
  EXPECT_EQ(pg.restarts(), 1);
  EXPECT_GT(pg.last_outage_seconds(), 0);
  // The old session was ended by the server: its next statement fails as one a retry may cure.
  auto old_session = (*before)->Query("SELECT 1", "after the restart");
  ASSERT_FALSE(old_session.ok());
  EXPECT_EQ(old_session.status().code(), StatusCode::kUnavailable)
      << old_session.status().message();

  auto after = PgConnection::Connect(pg.url());
  ASSERT_TRUE(after.ok()) << after.status().message();
  auto kept = (*after)->Query("SELECT n FROM kept", "after the restart");
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  ASSERT_EQ(kept->rows(), 1);
  EXPECT_EQ(kept->Value(0, 0), "7");

  after->reset();
  ASSERT_TRUE(pg.Stop(&error)) << error;
  EXPECT_FALSE(PgConnection::Connect(pg.url()).ok()) << "still listening after Stop";
}

}  // namespace
}  // namespace private_postgres_test
}  // namespace sluice::faults
