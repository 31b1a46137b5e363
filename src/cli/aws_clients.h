// Builds AWS clients for the command line from flags and the AWS environment.
#pragma once

#include <memory>
#include <string>

#include "connectors/sqs/sqs_client.h"

namespace sluice::cli {

Result<std::unique_ptr<SqsClient>> MakeSqsClient(const std::string& endpoint_flag);

// The queue's URL: `name` may already be a URL; otherwise it is looked up by name.
Result<std::string> ResolveQueueUrl(SqsClient& client, const std::string& name);

}  // namespace sluice::cli
