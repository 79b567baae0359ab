// repo/s3/: where an s3:// repository lives and how to reach it — the
// repository URL, the endpoint, the region, the credentials and the
// addressing style, from the standard AWS variables and the command line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "repo/s3/sigv4.h"

namespace pb::repo::s3 {

// "s3://BUCKET/PREFIX" split. prefix has no leading or trailing '/' and may be empty.
struct Location {
  std::string bucket;
  std::string prefix;
};

// True if `repo` names an S3 repository ("s3://...").
bool IsS3Url(std::string_view repo);

// Parses "s3://BUCKET[/PREFIX]". Errors: InvalidArgument naming the URL
// when the bucket is empty or not a valid bucket name (3-63 characters of
// [a-z0-9.-]) or the prefix has an empty segment, "." or "..".
Result<Location> ParseS3Url(std::string_view url);

// The object key of the repository path `path` ("data/ab/ab12...") under `prefix`.
std::string ObjectKey(const Location& location, std::string_view path);

// An HTTP(S) endpoint split into its parts.
struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // "127.0.0.1", "s3.eu-west-1.amazonaws.com"
  uint16_t port = 0;   // 0: the scheme's default
  // "host" or "host:port" as the Host header carries it.
  std::string HostHeader() const;
};

// Parses "http[s]://HOST[:PORT][/]". Errors: InvalidArgument naming it.
Result<Endpoint> ParseEndpoint(std::string_view url);

// What the command line adds to the environment.
struct CommandLineOptions {
  std::string endpoint;     // --s3-endpoint; overrides the variables
  bool path_style = false;  // --s3-path-style
};

struct Config {
  Location location;
  Endpoint endpoint;
  std::string region;
  Credentials credentials;
  bool path_style = false;  // https://HOST/BUCKET/KEY instead of https://BUCKET.HOST/KEY
  // How many keys one ListObjectsV2 page asks for (S3's maximum is 1000).
  int list_page_size = 1000;
};

// Reads a variable; returns nullopt when unset. Tests pass their own.
using Getenv = std::function<std::optional<std::string>(const char* name)>;
// The process environment (std::getenv); an empty value counts as unset.
std::optional<std::string> ProcessEnv(const char* name);

// The configuration of the repository `url` from the environment:
// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN,
// AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1; the endpoint from
// options.endpoint, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else
// https://s3.REGION.amazonaws.com. Path-style addressing when
// options.path_style, PAYMENTS_S3_PATH_STYLE=1/true, or the endpoint's host
// is an IP address or localhost (no virtual-host DNS there).
// Errors: InvalidArgument before any request when the URL or the endpoint
// is malformed or a credential is missing (saying which variable to set).
Result<Config> ConfigFromEnvironment(std::string_view url, const CommandLineOptions& options,
                                     const Getenv& getenv = ProcessEnv);

}  // namespace pb::repo::s3
