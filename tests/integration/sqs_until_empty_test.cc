// `--until-empty` ends with the queue empty even when SQS took messages that this consumer was
// never given (a receive whose answer was lost) or could not delete (a failed delete): both come
// back after their visibility timeout, and the source receives until then. The queue is the real
// local SQS server; the fault proxy between them loses the answers, which a real server does not
// do on demand.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "connectors/sqs/sqs_client.h"
#include "connectors/sqs/sqs_source.h"
#include "faults/fault_proxy.h"
#include "faults/scenario.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class SqsUntilEmptyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "sqs");
    ASSERT_TRUE(config.ok()) << config.status().message();
    config_ = *config;
    direct_ = std::make_unique<SqsClient>(config_, MakeCurlTransport());
    // A 5 s visibility timeout: what a lost answer leaves in flight is back 5 s later.
    auto url = direct_->CreateQueue(testing::UniqueName("until-empty"), kVisibilitySeconds);
    ASSERT_TRUE(url.ok()) << url.status().message();
    url_ = *url;
    for (int i = 0; i < kMessages; ++i)
      bodies_.insert("{\"n\":" + std::to_string(i) + "}");
    ASSERT_TRUE(
        SendAll(*direct_, url_, std::vector<std::string>(bodies_.begin(), bodies_.end())).ok());
    std::string host;
    int port = 0;
    ASSERT_TRUE(faults::PgHostPort(std::getenv("AWS_ENDPOINT_URL"), &host, &port));
    proxy_ = std::make_unique<faults::FaultProxy>(host, port, faults::ProxyMode::kHttp);
  }

  // Drains the queue through the proxy the way a job does (every message acknowledged once it is
  // handed out) until the source finishes; returns every body handed out, repeats included, and
  // sets `*closed` to what closing the source returned.
  std::vector<std::string> DrainThroughProxy(Status* closed) {
    SqsSourceOptions options;
    options.queue_url = url_;
    options.receivers = 1;
    options.wait_seconds = 1;
    options.visibility_timeout_seconds = kVisibilitySeconds;
    options.until_empty = true;
    AwsConfig via_proxy = config_;
    via_proxy.endpoint = *ParseEndpoint("http://" + proxy_->address());
    // Two attempts a request, close together: a fault scheduled twice in a row fails the call.
    const RetryPolicy retry{2, 10ms, 20ms};
    SqsSource source(options, [&] {
      return std::make_unique<SqsClient>(via_proxy, MakeCurlTransport(), retry);
    });
    std::vector<std::string> handed_out;
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (!source.Finished() && std::chrono::steady_clock::now() < give_up) {
      std::vector<InboundMessage> batch = source.NextBatch(10, 100ms);
      for (const InboundMessage& m : batch)
        handed_out.push_back(m.body);
      source.Acknowledge(std::move(batch));
    }
    EXPECT_TRUE(source.Finished()) << "the source did not finish within 60 s";
    *closed = source.Close();
    return handed_out;
  }

  int64_t LeftInQueue() {
    auto left = direct_->ApproximateNumberOfMessages(url_, true);
    EXPECT_TRUE(left.ok()) << left.status().message();
    return left.ok() ? *left : -1;
  }

  static constexpr int kVisibilitySeconds = 5;
  static constexpr int kMessages = 50;  // five deletes of ten
  AwsConfig config_;
  std::unique_ptr<SqsClient> direct_;
  std::string url_;
  std::set<std::string> bodies_;
  std::unique_ptr<faults::FaultProxy> proxy_;
};

TEST_F(SqsUntilEmptyTest, MessagesALostReceiveAnswerLeftInFlightAreWaitedForAndTaken) {
  faults::HttpSchedule schedule;
  schedule.faults = {faults::HttpFault::kLostAnswer};
  schedule.only_if_contains = "AmazonSQS.ReceiveMessage";
  schedule.burst_first = 1;  // the first receive: SQS puts messages in flight, nobody gets them
  schedule.burst_length = 1;
  proxy_->SetHttpSchedule(schedule);

  Status closed;
  const std::vector<std::string> handed_out = DrainThroughProxy(&closed);
  EXPECT_TRUE(closed.ok()) << closed.message();
  EXPECT_EQ(proxy_->counts().http_lost_answers, 1u);
  EXPECT_EQ(std::set<std::string>(handed_out.begin(), handed_out.end()), bodies_);
  EXPECT_EQ(LeftInQueue(), 0);
}

TEST_F(SqsUntilEmptyTest, MessagesAFailedDeleteLeftInFlightAreTakenAgainAndDeleted) {
  faults::HttpSchedule schedule;
  schedule.faults = {faults::HttpFault::kInternalError};
  schedule.only_if_contains = "AmazonSQS.DeleteMessageBatch";
  schedule.burst_first = 1;  // both attempts of the first delete
  schedule.burst_length = 2;
  proxy_->SetHttpSchedule(schedule);

  Status closed;
  const std::vector<std::string> handed_out = DrainThroughProxy(&closed);
  EXPECT_TRUE(closed.ok()) << closed.message();
  EXPECT_EQ(proxy_->counts().http_500, 2u);
  EXPECT_EQ(std::set<std::string>(handed_out.begin(), handed_out.end()), bodies_);
  // The messages of the failed delete were handed out a second time, to be skipped by the job.
  EXPECT_GT(handed_out.size(), bodies_.size());
  EXPECT_EQ(LeftInQueue(), 0);
}

// Deletes that keep failing will not cure themselves: waiting for their messages to come back
// would take them again and fail again, without end. Receiving ends, and the run fails naming
// the cause; the messages come back for a later run, which skips what is stored.
TEST_F(SqsUntilEmptyTest, DeletesFailingInARowEndTheRunWithTheirError) {
  faults::HttpSchedule schedule;
  schedule.faults = {faults::HttpFault::kUnavailable};
  schedule.only_if_contains = "AmazonSQS.DeleteMessageBatch";
  schedule.every_nth = 1;
  proxy_->SetHttpSchedule(schedule);

  Status closed;
  const std::vector<std::string> handed_out = DrainThroughProxy(&closed);
  EXPECT_FALSE(closed.ok());
  EXPECT_NE(closed.message().find("DeleteMessageBatch"), std::string::npos) << closed.message();
  EXPECT_GE(proxy_->counts().http_503, 10u);  // five deletes, two attempts each
  EXPECT_FALSE(handed_out.empty());
  EXPECT_EQ(LeftInQueue(), kMessages);  // nothing deleted: all of them come back
}

}  // namespace
}  // namespace sluice
