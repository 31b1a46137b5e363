// The load runner against stages scripted here: every batch written in order and then one
// commit; any failure (reading, writing, committing) aborts the sink and is returned, the
// writer's before the reader's.
#include "pipeline/load_runner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

PreparedBatch BatchOf(const std::string& value) {
  PreparedBatch batch{Batch(Schema{{"v", ColumnType::kText, true}}),
                      Batch(Schema{{"reason", ColumnType::kText, true}}),
                      {}};
  batch.rows.column(0).AppendText(value);
  return batch;
}

// Emits `batches` batches, then fails with `fail_after` when it is set.
class CountingSource : public BatchSource {
 public:
  explicit CountingSource(int batches, Status fail_after = Status::Ok())
      : batches_(batches), fail_after_(std::move(fail_after)) {}
  Status Produce(const std::function<Status(PreparedBatch&)>& emit) override {
    for (int i = 0; i < batches_; ++i) {
      PreparedBatch batch = BatchOf(std::to_string(i));
      Status st = emit(batch);
      if (!st.ok()) {
        stopped_by_writer = true;
        return st;
      }
      ++emitted;
    }
    return fail_after_;
  }
  int emitted = 0;
  bool stopped_by_writer = false;

 private:
  int batches_;
  Status fail_after_;
};

class RecordingSink : public LoadSink {
 public:
  Status Write(PreparedBatch& batch) override {
    if (static_cast<int>(written.size()) == fail_write_at) return DatabaseError("COPY failed");
    written.emplace_back(batch.rows.column(0).Text(0));
    return Status::Ok();
  }
  Status Commit() override {
    ++commits;
    return commit_status;
  }
  void Abort() override { ++aborts; }

  int fail_write_at = -1;
  Status commit_status;
  std::vector<std::string> written;
  int commits = 0;
  int aborts = 0;
};

TEST(LoadRunner, WritesEveryBatchInOrderThenCommitsOnce) {
  CountingSource source(50);
  RecordingSink sink;
  ASSERT_TRUE(RunLoad(source, sink).ok());
  ASSERT_EQ(sink.written.size(), 50u);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(sink.written[i], std::to_string(i));
  EXPECT_EQ(sink.commits, 1);
  EXPECT_EQ(sink.aborts, 0);
}

TEST(LoadRunner, AnInputOfNoBatchStillCommits) {
  CountingSource source(0);
  RecordingSink sink;
  ASSERT_TRUE(RunLoad(source, sink).ok());
  EXPECT_EQ(sink.commits, 1);
}

TEST(LoadRunner, AReadFailureAbortsWithoutCommitting) {
  CountingSource source(3, InvalidArgument("f.csv: line 9: the array is broken"));
  RecordingSink sink;
  Status st = RunLoad(source, sink);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "f.csv: line 9: the array is broken");
  EXPECT_EQ(sink.commits, 0);
  EXPECT_EQ(sink.aborts, 1);
}

// The reader stops at the writer's failure, and the error is the writer's, not the reader's
// "writer stopped".
TEST(LoadRunner, AWriteFailureStopsTheReaderAndIsTheError) {
  CountingSource source(1000);
  RecordingSink sink;
  sink.fail_write_at = 2;
  Status st = RunLoad(source, sink);
  EXPECT_EQ(st.code(), StatusCode::kDatabase);
  EXPECT_EQ(st.message(), "COPY failed");
  EXPECT_TRUE(source.stopped_by_writer);
  EXPECT_LT(source.emitted, 1000);
  EXPECT_EQ(sink.commits, 0);
  EXPECT_EQ(sink.aborts, 1);
}

TEST(LoadRunner, ACommitFailureAborts) {
  CountingSource source(2);
  RecordingSink sink;
  sink.commit_status = InvalidArgument("holds no record");
  EXPECT_EQ(RunLoad(source, sink).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sink.written.size(), 2u);
  EXPECT_EQ(sink.aborts, 1);
}

}  // namespace
}  // namespace sluice
