// SendMessageBatch's partial success, against answers a local server will not give on demand.
#include <gtest/gtest.h>

#include <deque>

#include "connectors/sqs/sqs_client.h"

namespace sluice {
namespace {

class OneAnswer : public HttpTransport {
 public:
  explicit OneAnswer(std::string body) : body_(std::move(body)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    sent_body = std::string(request.body);
    HttpResponse r;
    r.status = 200;
    r.body = body_;
    return r;
  }
  std::string sent_body;

 private:
  std::string body_;
};

SqsClient Client(std::unique_ptr<HttpTransport> transport) {
  AwsConfig config;
  config.endpoint = *ParseEndpoint("http://127.0.0.1:1");
  config.region = "us-east-1";
  config.credentials = {"AKID", "secret", ""};
  return SqsClient(config, std::move(transport));
}

TEST(SqsSendEntries, RefusedEntriesAreGivenOneByOne) {
  auto transport = std::make_unique<OneAnswer>(
      R"({"Successful":[{"Id":"0","MessageId":"m0"},{"Id":"2","MessageId":"m2"}],)"
      R"("Failed":[{"Id":"1","SenderFault":true,"Code":"InvalidMessageContents",)"
      R"("Message":"Invalid binary character"}]})");
  SqsClient client = Client(std::move(transport));
  auto result = client.SendMessageBatchEntries("http://q", {"a", "b", "c"});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->message_ids, (std::vector<std::string>{"m0", "", "m2"}));
  ASSERT_EQ(result->failed.size(), 1u);
  EXPECT_EQ(result->failed[0].index, 1u);
  EXPECT_TRUE(result->failed[0].sender_fault);
  EXPECT_EQ(result->failed[0].reason, "InvalidMessageContents: Invalid binary character");
  // The all-or-error form names the entry.
  SqsClient again = Client(std::make_unique<OneAnswer>(
      R"({"Successful":[{"Id":"0","MessageId":"m0"}],"Failed":[{"Id":"1","SenderFault":false,)"
      R"("Code":"InternalError","Message":"try again"}]})"));
  auto ids = again.SendMessageBatch("http://q", {"a", "b"});
  ASSERT_FALSE(ids.ok());
  EXPECT_NE(ids.status().message().find("entry 1: InternalError: try again"), std::string::npos)
      << ids.status().message();
}

// A delete whose entries SQS refused for their own sake (SenderFault: a receipt handle no longer
// valid, after another consumer took the message again and deleted it) would fail the same way
// again: a failed precondition. One refused on SQS's side is an outage a retry may cure.
TEST(SqsSendEntries, ADeleteRefusedForTheEntriesOwnSakeIsNotAnOutage) {
  SqsClient stale = Client(std::make_unique<OneAnswer>(
      R"({"Successful":[{"Id":"1"}],"Failed":[{"Id":"0","SenderFault":true,)"
      R"("Code":"ReceiptHandleIsInvalid","Message":"not a valid receipt handle"}]})"));
  const Status refused = stale.DeleteMessageBatch("http://q", {"old-handle", "handle"});
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.message();
  EXPECT_NE(refused.message().find("entry 0: ReceiptHandleIsInvalid"), std::string::npos)
      << refused.message();

  SqsClient failing = Client(std::make_unique<OneAnswer>(
      R"({"Successful":[],"Failed":[{"Id":"0","SenderFault":true,"Code":"ReceiptHandleIsInvalid",)"
      R"("Message":"x"},{"Id":"1","SenderFault":false,"Code":"InternalError","Message":"y"}]})"));
  EXPECT_EQ(failing.DeleteMessageBatch("http://q", {"a", "b"}).code(), StatusCode::kUnavailable);
}

TEST(SqsSendEntries, AnAnswerThatDoesNotAccountForEveryEntryIsAnError) {
  SqsClient client =
      Client(std::make_unique<OneAnswer>(R"({"Successful":[{"Id":"0","MessageId":"m0"}]})"));
  auto result = client.SendMessageBatchEntries("http://q", {"a", "b"});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("accounts for 1 of 2 entries"), std::string::npos);
}

TEST(SqsSendEntries, BatchesOfMoreThanTenAreRefusedBeforeSending) {
  auto transport = std::make_unique<OneAnswer>("{}");
  OneAnswer* seen = transport.get();
  SqsClient client = Client(std::move(transport));
  auto result = client.SendMessageBatchEntries("http://q", std::vector<std::string>(11, "x"));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(seen->sent_body.empty());
}

TEST(SqsSendEntries, ReceiveParametersOutsideSqsRangesAreRefusedBeforeSending) {
  auto transport = std::make_unique<OneAnswer>("{}");
  OneAnswer* seen = transport.get();
  SqsClient client = Client(std::move(transport));
  EXPECT_FALSE(client.ReceiveMessages("http://q", 11, 1).ok());
  EXPECT_FALSE(client.ReceiveMessages("http://q", 0, 1).ok());
  EXPECT_FALSE(client.ReceiveMessages("http://q", 10, 21).ok());
  EXPECT_FALSE(client.ReceiveMessages("http://q", 10, 1, 43201).ok());
  EXPECT_TRUE(seen->sent_body.empty());
  EXPECT_TRUE(client.ReceiveMessages("http://q", 10, 20, 43200).ok());
  EXPECT_FALSE(seen->sent_body.empty());
}

}  // namespace
}  // namespace sluice
