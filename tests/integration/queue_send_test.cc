// `sluice queue send` against the local SQS: batches within the queue's MaximumMessageSize, and
// a record SQS cannot take rejected alone, named, with the rest sent (exit 3).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "connectors/file/ndjson_source.h"
#include "connectors/sqs/sqs_client.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

class QueueSend : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "sqs");
    ASSERT_TRUE(config.ok()) << config.status().message();
    client_ = std::make_unique<SqsClient>(*config, MakeCurlTransport());
  }

  // Creates a queue through the command line; `max_bytes` 0 keeps the server's default.
  void CreateQueue(size_t max_bytes = 0) {
    name_ = testing::UniqueName("queue-send");
    std::vector<std::string> args = {"queue", "create", name_};
    if (max_bytes) {
      args.push_back("--max-message-size");
      args.push_back(std::to_string(max_bytes));
    }
    RunResult r = RunSluice(args, "");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto url = client_->GetQueueUrl(name_);
    ASSERT_TRUE(url.ok());
    url_ = *url;
  }

  RunResult Send(const std::string& file_text) {
    return RunSluice({"queue", "send", name_, WriteTempFile("send.ndjson", file_text)}, "");
  }

  // Every body on the queue, sorted.
  std::vector<std::string> Bodies() {
    std::vector<std::string> bodies;
    for (int empty_polls = 0; empty_polls < 2;) {
      auto messages = client_->ReceiveMessages(url_, 10, 0, 60);
      EXPECT_TRUE(messages.ok());
      if (!messages.ok() || messages->empty()) {
        ++empty_polls;
        continue;
      }
      for (const auto& m : *messages)
        bodies.push_back(m.body);
    }
    std::sort(bodies.begin(), bodies.end());
    return bodies;
  }

  std::unique_ptr<SqsClient> client_;
  std::string name_;
  std::string url_;
};

std::string Event(int i, size_t note_bytes) {
  return "{\"user_id\":\"big-" + std::to_string(i) + "\",\"note\":\"" +
         std::string(note_bytes, 'x') + "\"}";
}

// The case sqs-batch-over-size-limit, reduced: six 200 KB messages are more than one 1 MiB
// batch can hold; all six are sent, in two batches.
TEST_F(QueueSend, LargeMessagesAreSplitAcrossBatchesWithinTheLimit) {
  CreateQueue();  // the local server's queues allow 1 MiB
  std::string file;
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    expected.push_back(Event(i, 200000));
    file += expected.back() + "\n";
  }
  RunResult r = Send(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sent 6 messages"), std::string::npos) << r.out;
  EXPECT_EQ(Bodies(), expected);
}

// A queue with a smaller limit: batches follow the queue's MaximumMessageSize, and the one
// message over it is rejected by itself, named with its line, size and the limit.
TEST_F(QueueSend, AMessageOverTheQueuesLimitIsRejectedAloneAndNamed) {
  CreateQueue(4096);
  std::string over = Event(1, 5000);
  std::string file = Event(0, 1500) + "\n" + over + "\n";
  std::vector<std::string> expected = {Event(0, 1500)};
  for (int i = 2; i < 8; ++i) {
    file += Event(i, 1500) + "\n";
    expected.push_back(Event(i, 1500));
  }
  std::sort(expected.begin(), expected.end());
  RunResult r = Send(file);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(": line 2: " + std::to_string(over.size()) +
                       " bytes, over the queue's limit of 4096 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("sent 7 messages to " + name_ + "; 1 rejected"), std::string::npos) << r.out;
  EXPECT_EQ(Bodies(), expected);
}

TEST_F(QueueSend, InvalidUtf8AndNulLinesAreRejectedAloneAndNamed) {
  CreateQueue();
  std::string file = std::string("{\"n\":\"ok\"}\n") + "{\"n\":\"caf\xE9\"}\n" +
                     std::string("{\"n\":\"a\0b\"}\n", 12) + "{\"n\":\"caf\xC3\xA9\"}\n";
  RunResult r = Send(file);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(": line 2: byte offset 9 is not valid UTF-8; not sent"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(": line 3: byte offset 7 U+0000 is not allowed in an SQS message"),
            std::string::npos)
      << r.err;
  // The reason names the position, never the value.
  EXPECT_EQ(r.err.find("caf"), std::string::npos) << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"{\"n\":\"caf\xC3\xA9\"}", "{\"n\":\"ok\"}"}));
}

TEST_F(QueueSend, ArrayElementsAreSentWholeAndAnOversizedOneIsNamedByIndex) {
  CreateQueue(2048);
  std::string file = "[\n  {\"a\": 1,\n   \"b\": \"two words\"},\n  \"" + std::string(3000, 'y') +
                     "\",\n  [1, 2]\n]\n";
  RunResult r = Send(file);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(": index 1: 3002 bytes, over the queue's limit of 2048 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"[1,2]", "{\"a\":1,\"b\":\"two words\"}"}));
}

// The bodies `logins run --file` reads from `path`, sorted.
std::vector<std::string> FileSourceBodies(const std::string& path) {
  std::vector<std::string> bodies;
  auto source = NdjsonFileSource::Open(path);
  EXPECT_TRUE(source.ok()) << source.status().message();
  if (!source.ok()) return bodies;
  while (!(*source)->Finished()) {
    for (auto& m : (*source)->NextBatch(10, {}))
      bodies.push_back(std::move(m.body));
  }
  std::sort(bodies.begin(), bodies.end());
  return bodies;
}

// Case: `queue send` of `jq .` output sent every line as its own message, while `logins run
// --file` read each value whole. A file sent to a queue now gives the messages --file reads.
TEST_F(QueueSend, AFileGivesTheMessagesLoginsFileReads) {
  const std::string pretty =
      "{\n  \"user_id\": \"u1\",\n  \"tags\": [\n    \"}\"\n  ]\n}\n\n"
      "{\r\n  \"user_id\": \"u2\"\r\n}\r\n{\"user_id\": \"u3\"}\n";
  const std::string array = "[\n  {\n    \"user_id\": \"u1\"\n  },\n  {\"user_id\": \"u 2\"}\n]\n";
  for (const std::string& text : {pretty, array}) {
    CreateQueue();
    const std::string path = WriteTempFile("same.json", text);
    RunResult r = RunSluice({"queue", "send", name_, path}, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> expected = FileSourceBodies(path);
    EXPECT_GE(expected.size(), 2u);
    EXPECT_EQ(Bodies(), expected) << text;
  }
}

// A value spanning lines that SQS cannot take is rejected alone, named by its first line.
TEST_F(QueueSend, ABadValueSpanningLinesIsRejectedAloneByItsLine) {
  CreateQueue();
  RunResult r = Send("{\n  \"n\": \"ok\"\n}\n{\n  \"n\": \"caf\xE9\"\n}\n{\n  \"n\": 3\n}\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(": line 4: byte offset "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("caf"), std::string::npos) << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"{\n  \"n\": \"ok\"\n}", "{\n  \"n\": 3\n}"}));
}

TEST_F(QueueSend, ABrokenArraySendsNothing) {
  CreateQueue();
  RunResult r = Send("[{\"a\": 1}, {\"b\": 2]");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // bad input data, not bad usage
  EXPECT_NE(r.err.find("not a well-formed JSON array: byte offset 18"), std::string::npos) << r.err;
  EXPECT_TRUE(Bodies().empty());
}

TEST_F(QueueSend, TheQueuesLimitIsReadFromItsAttributes) {
  CreateQueue(3000);
  auto limit = client_->MaximumMessageSize(url_);
  ASSERT_TRUE(limit.ok()) << limit.status().message();
  EXPECT_EQ(*limit, 3000u);
}

// Batch actions on receipt handles take any number: the client sends ten to a request.
TEST_F(QueueSend, DeletesAndVisibilityChangesOfMoreThanTenHandlesAreSplit) {
  CreateQueue();
  std::string file;
  for (int i = 0; i < 25; ++i)
    file += "{\"n\":" + std::to_string(i) + "}\n";
  ASSERT_EQ(Send(file).exit_code, 0);
  std::vector<std::string> handles;
  for (int empty_polls = 0; empty_polls < 2 && handles.size() < 25;) {
    auto messages = client_->ReceiveMessages(url_, 10, 0, 60);
    ASSERT_TRUE(messages.ok());
    if (messages->empty()) ++empty_polls;
    for (const auto& m : *messages)
      handles.push_back(m.receipt_handle);
  }
  ASSERT_EQ(handles.size(), 25u);
  Status extended = client_->ChangeVisibilityBatch(url_, handles, 120);
  EXPECT_TRUE(extended.ok()) << extended.message();
  Status deleted = client_->DeleteMessageBatch(url_, handles);
  EXPECT_TRUE(deleted.ok()) << deleted.message();
  EXPECT_EQ(*client_->ApproximateNumberOfMessages(url_, true), 0);
}

// Case: a 200 MB line with no line end was held whole (424 MB peak) before it was rejected, and
// /dev/zero grew without end. A file with no line end is one record, rejected by its size.
TEST_F(QueueSend, AFileWithNoLineEndIsOneRecordRejectedBySize) {
  CreateQueue(4096);
  RunResult r = Send("{\"a\":1}\n" + std::string(3 << 20, 'a'));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(": line 2: " + std::to_string(3 << 20) +
                       " bytes, over the queue's limit of 4096 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"{\"a\":1}"}));
}

// Case: a UTF-8 byte-order mark before an array sent the whole array as one message.
TEST_F(QueueSend, ALeadingByteOrderMarkIsSkipped) {
  CreateQueue();
  RunResult r = Send("\xEF\xBB\xBF[{\"a\":1}, {\"b\":2}]");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  r = Send("\xEF\xBB\xBF{\"c\":3}\n{\"d\":4}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"{\"c\":3}", "{\"d\":4}"}));
}

// SIGTERM stops a send between batches: what was sent is said (and is what the queue holds), and
// so is the first line not sent, so the rest can be sent on its own; the exit is a failure.
TEST_F(QueueSend, ASignalStopsBetweenBatchesAndSaysHowFarItGot) {
  CreateQueue();
  std::string text;
  constexpr int kLines = 20000;
  for (int i = 1; i <= kLines; ++i)
    text += "{\"n\":" + std::to_string(i) + "}\n";
  const std::string path = WriteTempFile("many.ndjson", text);
  std::string output;
  const int pid = testing::SpawnSluice({"queue", "send", name_, path}, "", &output);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(testing::WaitUntilCatching(pid, SIGTERM, std::chrono::seconds(30)));
  // Some batches out first, so the stop lands in the middle.
  for (int i = 0; i < 600; ++i) {
    auto n = client_->ApproximateNumberOfMessages(url_, true);
    if (n.ok() && *n >= 50) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(testing::WaitProcess(pid), 1);
  std::ifstream err_file(output + ".err");
  std::stringstream err;
  err << err_file.rdbuf();
  std::smatch m;
  const std::string said = err.str();
  ASSERT_TRUE(std::regex_search(
      said, m,
      std::regex("stopped by a signal: sent ([0-9]+) messages? to [^;]+; .* from line "
                 "([0-9]+) on was not sent")))
      << said;
  const int64_t sent = std::stoll(m[1]);
  EXPECT_GT(sent, 0);
  EXPECT_LT(sent, kLines);
  EXPECT_EQ(std::stoll(m[2]), sent + 1);
  auto held = client_->ApproximateNumberOfMessages(url_, true);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(*held, sent);
}

}  // namespace
}  // namespace sluice
