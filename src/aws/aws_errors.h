// What an AWS error answer means for Sluice, from its HTTP status and its error code (the
// `Code` of an S3 XML error, the `__type` of an SQS JSON error without its namespace), so that
// retry loops and the exit policy act on what happened, not on the text.
//
// Sources: the S3 API Reference, "Error responses" (List of error codes); the SQS API
// Reference, "Common Errors" and each action's Errors section.
#pragma once

#include <string_view>

#include "core/status.h"

namespace sluice {

// kUnavailable: 5xx, 408, 429 and the throttling codes (SlowDown, ThrottlingException,
//   RequestThrottled, ...): worth retrying.
// kUnauthenticated: 401 and the codes of a key, signature or token the service does not accept
//   (InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, InvalidClientTokenId, ...).
// kPermissionDenied: any other 403 (AccessDenied).
// kNotFound: 404, and the codes of a missing queue, bucket or key, which SQS sends with 400
//   (QueueDoesNotExist, AWS.SimpleQueueService.NonExistentQueue).
// kFailedPrecondition: any other 4xx: the request was refused as it stands.
StatusCode StatusCodeForAwsError(long http_status, std::string_view error_code);

}  // namespace sluice
