// repo/s3/: AWS Signature Version 4 (header-based), computed with OpenSSL.
// Specification: "Authenticating Requests (AWS Signature Version 4)" of the
// S3 API reference; the known-answer tests use its published examples.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pb::repo::s3 {

// The key pair (and optional session token) requests are signed with.
// Never printed: Describe-style messages name only the access key id.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // AWS_SESSION_TOKEN; sent as x-amz-security-token when set
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What SigV4 covers of one request.
struct SigningRequest {
  std::string method;              // "GET", "PUT", ...
  std::string path;                // decoded absolute path: "/bucket/key" or "/key"
  HeaderList query;                // decoded query parameters (a bare "?uploads" is {"uploads", ""})
  HeaderList headers;              // every header to sign; must include host and x-amz-date
  std::string payload_sha256_hex;  // lowercase hex SHA-256 of the body (also sent as x-amz-content-sha256)
};

// RFC 3986 percent-encoding as SigV4 requires: unreserved characters
// (A-Z a-z 0-9 - _ . ~) are kept, every other byte becomes %XX (upper case);
// '/' is kept only when `keep_slash` (paths), never in query components.
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical query string: parameters encoded, sorted, joined with '&'
// ("a=1&b="). Also the query of the request's URL.
std::string CanonicalQuery(const HeaderList& query);

// The canonical request (task 1 of the specification).
std::string CanonicalRequest(const SigningRequest& request);

// The "Authorization" header value for `request` signed at `amz_date`
// ("YYYYMMDDTHHMMSSZ", the request's x-amz-date) for `region` and `service`
// ("s3"): "AWS4-HMAC-SHA256 Credential=.../aws4_request,
// SignedHeaders=..., Signature=<64 hex>".
std::string AuthorizationHeader(const SigningRequest& request, const Credentials& credentials,
                                std::string_view region, std::string_view service, std::string_view amz_date);

}  // namespace pb::repo::s3
