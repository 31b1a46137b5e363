// Builds AWS clients for the command line from flags and the AWS environment.
#pragma once

#include <memory>
#include <string>

#include "connectors/s3/s3_client.h"
#include "connectors/sqs/sqs_client.h"

namespace sluice::cli {

Result<std::unique_ptr<SqsClient>> MakeSqsClient(const std::string& endpoint_flag);

// `addressing` is "path" or "virtual".
Result<std::unique_ptr<S3Client>> MakeS3Client(const std::string& endpoint_flag,
                                               const std::string& addressing);

// The queue's URL: `name` may already be a URL, which is then asked for its depth
// (GetQueueAttributes) so that a queue that does not exist fails here (kNotFound, naming it);
// otherwise it is looked up by name (GetQueueUrl).
Result<std::string> ResolveQueueUrl(SqsClient& client, const std::string& name);

}  // namespace sluice::cli
