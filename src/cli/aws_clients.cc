#include "cli/aws_clients.h"

#include <fmt/format.h>

#include "core/names.h"

namespace sluice::cli {

Result<std::unique_ptr<SqsClient>> MakeSqsClient(const std::string& endpoint_flag) {
  ASSIGN_OR_RETURN(AwsConfig config, ResolveAwsConfig(endpoint_flag, "sqs"));
  return std::make_unique<SqsClient>(std::move(config), MakeCurlTransport());
}

Result<std::unique_ptr<S3Client>> MakeS3Client(const std::string& endpoint_flag,
                                               const std::string& addressing) {
  ASSIGN_OR_RETURN(AwsConfig config, ResolveAwsConfig(endpoint_flag, "s3"));
  return std::make_unique<S3Client>(
      std::move(config), MakeCurlTransport(),
      addressing == "virtual" ? S3Addressing::kVirtualHost : S3Addressing::kPath);
}

Result<std::string> ResolveQueueUrl(SqsClient& client, const std::string& name) {
  if (name.starts_with("http://") || name.starts_with("https://")) {
    // A URL needs no lookup, but a queue that does not exist must still fail here, before the
    // job touches anything else. Only that answer counts: a role without
    // sqs:GetQueueAttributes goes on, and its first receive would say the same.
    auto depth = client.ApproximateNumberOfMessages(name, false);
    if (!depth.ok() && depth.status().code() == StatusCode::kNotFound) {
      return depth.status().WithContext(fmt::format("queue '{}'", name));
    }
    return name;
  }
  RETURN_IF_ERROR(ValidateSqsQueueName(name, "the queue name"));
  return client.GetQueueUrl(name);
}

}  // namespace sluice::cli
