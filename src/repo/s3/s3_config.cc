#include "repo/s3/s3_config.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace pb::repo::s3 {
namespace {

constexpr std::string_view kScheme = "s3://";

bool ValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return b.front() != '-' && b.front() != '.' && b.back() != '-' && b.back() != '.';
}

bool IsIpOrLocalhost(const std::string& host) {
  unsigned char buf[16];
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  return bare == "localhost" || ::inet_pton(AF_INET, bare.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, bare.c_str(), buf) == 1;
}

}  // namespace

bool IsS3Url(std::string_view repo) { return repo.starts_with(kScheme); }

Result<Location> ParseS3Url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid repository URL \"" + std::string(url) + "\": " + why +
                                   " (expected s3://BUCKET/PREFIX)");
  };
  if (!IsS3Url(url)) return bad("it does not begin with s3://");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (!ValidBucket(loc.bucket)) return bad("the bucket name must be 3 to 63 characters of a-z, 0-9, '.' and '-'");
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  size_t start = 0;
  while (!prefix.empty() && start <= prefix.size()) {
    size_t end = prefix.find('/', start);
    std::string_view seg = prefix.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty() || seg == "." || seg == "..") return bad("the prefix has an empty, \".\" or \"..\" segment");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  loc.prefix = std::string(prefix);
  return loc;
}

std::string ObjectKey(const Location& location, std::string_view path) {
  return location.prefix.empty() ? std::string(path) : location.prefix + "/" + std::string(path);
}

std::string Endpoint::HostHeader() const {
  bool default_port = port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? host : host + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid S3 endpoint \"" + std::string(url) + "\": " + why +
                                   " (expected http://HOST:PORT or https://HOST)");
  };
  Endpoint ep;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  ep.scheme = std::string(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") return bad("the scheme must be http or https");
  std::string_view hostport = url.substr(sep + 3);
  while (!hostport.empty() && hostport.back() == '/') hostport.remove_suffix(1);
  if (hostport.find('/') != std::string_view::npos) return bad("an endpoint has no path");
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']', colon) == std::string_view::npos) {
    std::string port(hostport.substr(colon + 1));
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p <= 0 || p > 65535) return bad("the port must be 1 to 65535");
    ep.port = static_cast<uint16_t>(p);
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return bad("no host");
  ep.host = std::string(hostport);
  return ep;
}

std::optional<std::string> ProcessEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<Config> ConfigFromEnvironment(std::string_view url, const CommandLineOptions& options, const Getenv& getenv) {
  Config config;
  auto loc = ParseS3Url(url);
  if (!loc.ok()) return loc.status();
  config.location = std::move(loc).value();

  auto id = getenv("AWS_ACCESS_KEY_ID");
  auto secret = getenv("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret) {
    return Status::InvalidArgument(std::string("no S3 credentials: set ") +
                                   (!id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                                   (!id && !secret ? " and AWS_SECRET_ACCESS_KEY" : "") +
                                   " (and AWS_SESSION_TOKEN for temporary credentials) for " + std::string(url));
  }
  config.credentials = Credentials{*id, *secret, getenv("AWS_SESSION_TOKEN").value_or("")};
  config.region = getenv("AWS_REGION").value_or(getenv("AWS_DEFAULT_REGION").value_or("us-east-1"));

  std::string endpoint = options.endpoint;
  if (endpoint.empty()) endpoint = getenv("AWS_ENDPOINT_URL_S3").value_or(getenv("AWS_ENDPOINT_URL").value_or(""));
  if (endpoint.empty()) endpoint = "https://s3." + config.region + ".amazonaws.com";
  auto ep = ParseEndpoint(endpoint);
  if (!ep.ok()) return ep.status();
  config.endpoint = std::move(ep).value();

  std::string env_path_style = getenv("PAYMENTS_S3_PATH_STYLE").value_or("");
  config.path_style = options.path_style || env_path_style == "1" || env_path_style == "true" ||
                      IsIpOrLocalhost(config.endpoint.host);
  if (!config.path_style && config.location.bucket.find('.') != std::string::npos &&
      config.endpoint.scheme == "https") {
    config.path_style = true;  // a dotted bucket breaks the TLS wildcard of BUCKET.HOST
  }
  return config;
}

}  // namespace pb::repo::s3
