#include "aws/aws_errors.h"

#include <algorithm>
#include <initializer_list>

namespace sluice {
namespace {

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

StatusCode StatusCodeForAwsError(long http_status, std::string_view code) {
  if (http_status >= 500 || http_status == 408 || http_status == 429 ||
      OneOf(code, {"SlowDown", "Throttling", "ThrottlingException", "RequestThrottled",
                   "RequestLimitExceeded", "RequestTimeout", "ServiceUnavailable", "InternalError",
                   "KMS.ThrottlingException"})) {
    return StatusCode::kUnavailable;
  }
  if (http_status == 401 ||
      OneOf(code, {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                   "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException",
                   "IncompleteSignature", "MissingAuthenticationToken", "InvalidSecurity",
                   "AuthFailure"})) {
    return StatusCode::kUnauthenticated;
  }
  if (http_status == 403) return StatusCode::kPermissionDenied;
  if (http_status == 404 ||
      OneOf(code, {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "NoSuchBucket",
                   "NoSuchKey", "NoSuchUpload"})) {
    return StatusCode::kNotFound;
  }
  return StatusCode::kFailedPrecondition;
}

}  // namespace sluice
