// The SQS client against a real SQS endpoint (moto_server on loopback in `make test`).
#include "connectors/sqs/sqs_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iterator>
#include <set>
#include <thread>

#include "connectors/sqs/sqs_source.h"
#include "support/test_env.h"

namespace sluice {
namespace {

class SqsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "sqs");
    ASSERT_TRUE(config.ok()) << config.status().message();
    client_ = std::make_unique<SqsClient>(*config, MakeCurlTransport());
    auto url = client_->CreateQueue(testing::UniqueName("sqs-client"), 30);
    ASSERT_TRUE(url.ok()) << url.status().message();
    url_ = *url;
  }

  std::unique_ptr<SqsClient> client_;
  std::string url_;
};

TEST_F(SqsClientTest, SendReceiveDeleteRoundTrip) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 12; ++i)
    bodies.push_back("{\"n\":" + std::to_string(i) + "}");
  ASSERT_TRUE(SendAll(*client_, url_, bodies).ok());
  EXPECT_EQ(*client_->ApproximateNumberOfMessages(url_, true), 12);

  std::set<std::string> seen;
  for (int round = 0; round < 10 && seen.size() < bodies.size(); ++round) {
    auto messages = client_->ReceiveMessages(url_, 10, 1);
    ASSERT_TRUE(messages.ok()) << messages.status().message();
    std::vector<std::string> handles;
    for (const auto& m : *messages) {
      EXPECT_FALSE(m.message_id.empty());
      EXPECT_GT(m.sent_timestamp_ms, 1600000000000);  // a real epoch-milliseconds time
      seen.insert(m.body);
      handles.push_back(m.receipt_handle);
    }
    ASSERT_TRUE(client_->DeleteMessageBatch(url_, handles).ok());
  }
  EXPECT_EQ(seen, std::set<std::string>(bodies.begin(), bodies.end()));
  EXPECT_EQ(*client_->ApproximateNumberOfMessages(url_, true), 0);
}

TEST_F(SqsClientTest, VisibilityCanBeShortenedToRedeliverAndPurgeEmpties) {
  ASSERT_TRUE(SendAll(*client_, url_, {"a"}).ok());
  auto first = client_->ReceiveMessages(url_, 10, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  // Hidden while in hand; back at once when its visibility is set to zero.
  EXPECT_TRUE(client_->ReceiveMessages(url_, 10, 0)->empty());
  ASSERT_TRUE(client_->ChangeVisibilityBatch(url_, {(*first)[0].receipt_handle}, 0).ok());
  auto again = client_->ReceiveMessages(url_, 10, 1);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].message_id, (*first)[0].message_id);
  EXPECT_EQ((*again)[0].receive_count, 2);
  ASSERT_TRUE(client_->PurgeQueue(url_).ok());
  EXPECT_EQ(*client_->ApproximateNumberOfMessages(url_, true), 0);
}

TEST_F(SqsClientTest, ALongPollStopsWhenCancelled) {
  // An empty queue and a 20-second poll: only the cancel flag can end it with kCancelled.
  std::atomic<bool> cancel{false};
  Result<std::vector<SqsMessage>> received = Internal("not run");
  std::thread poll([&] { received = client_->ReceiveMessages(url_, 10, 20, 0, &cancel); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  cancel = true;
  poll.join();
  ASSERT_FALSE(received.ok());
  EXPECT_EQ(received.status().code(), StatusCode::kCancelled) << received.status().message();
  // The client is still good for the next call.
  auto again = client_->ReceiveMessages(url_, 10, 0);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->empty());
}

TEST_F(SqsClientTest, ErrorsNameTheQueueAndTheReason) {
  auto missing = client_->GetQueueUrl("no-such-queue-" + testing::UniqueName("x"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("QueueDoesNotExist"), std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(client_->SendMessageBatch(url_, {}).ok());
}

TEST(SqsClientNoServer, AnUnreachableEndpointIsUnavailableAfterRetries) {
  AwsConfig config;
  config.endpoint = *ParseEndpoint("http://127.0.0.1:1");
  config.region = "us-east-1";
  config.credentials = {"AKID", "secret-never-printed", ""};
  SqsClient client(config, MakeCurlTransport(),
                   RetryPolicy{2, std::chrono::milliseconds(1), std::chrono::milliseconds(2)});
  auto r = client.GetQueueUrl("q");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("secret-never-printed"), std::string::npos);
}

// A batch the job could not commit is handed back (Nack): the queue delivers it again at once,
// not after the 60 s visibility timeout it was received with.
TEST_F(SqsClientTest, ASourceHandsBackWhatItCannotCommit) {
  ASSERT_TRUE(SendAll(*client_, url_, {"a", "b"}).ok());
  SqsSourceOptions options;
  options.queue_url = url_;
  options.receivers = 1;
  options.wait_seconds = 1;
  options.visibility_timeout_seconds = 60;
  options.until_empty = true;
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok());
  SqsSource source(options,
                   [&] { return std::make_unique<SqsClient>(*config, MakeCurlTransport()); });
  std::vector<InboundMessage> held;
  for (int i = 0; i < 20 && held.size() < 2; ++i) {
    auto more = source.NextBatch(10, std::chrono::milliseconds(200));
    std::move(more.begin(), more.end(), std::back_inserter(held));
  }
  ASSERT_EQ(held.size(), 2u);
  source.Nack(std::move(held));
  std::set<std::string> again;
  for (int round = 0; round < 5 && again.size() < 2; ++round) {
    auto messages = client_->ReceiveMessages(url_, 10, 1);
    ASSERT_TRUE(messages.ok()) << messages.status().message();
    for (const auto& m : *messages)
      again.insert(m.body);
  }
  EXPECT_EQ(again, (std::set<std::string>{"a", "b"}));
  source.Stop();
  EXPECT_TRUE(source.Close().ok());
}

// A consumer that stops (SIGTERM, or a failed batch) hands back what it had received ahead of
// the job and never processed: the next consumer gets it at once.
TEST_F(SqsClientTest, ASourceClosedWithMessagesInHandHandsThemBack) {
  ASSERT_TRUE(SendAll(*client_, url_, {"a", "b", "c"}).ok());
  SqsSourceOptions options;
  options.queue_url = url_;
  options.receivers = 1;
  options.wait_seconds = 1;
  options.visibility_timeout_seconds = 60;
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok());
  {
    SqsSource source(options,
                     [&] { return std::make_unique<SqsClient>(*config, MakeCurlTransport()); });
    std::vector<InboundMessage> first;
    for (int i = 0; i < 20 && first.empty(); ++i)
      first = source.NextBatch(1, std::chrono::milliseconds(200));
    ASSERT_EQ(first.size(), 1u);
    source.Acknowledge(std::move(first));  // one is done; the others are only buffered
    source.Stop();
    ASSERT_TRUE(source.Close().ok());
  }
  std::set<std::string> again;
  for (int round = 0; round < 5 && again.size() < 2; ++round) {
    auto messages = client_->ReceiveMessages(url_, 10, 1);
    ASSERT_TRUE(messages.ok()) << messages.status().message();
    for (const auto& m : *messages)
      again.insert(m.body);
  }
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again.count("a") + again.count("b") + again.count("c"), 2u);
}

}  // namespace
}  // namespace sluice
