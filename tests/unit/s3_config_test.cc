// Where an s3:// repository is and how it is reached (repo/s3/s3_config.h),
// the retry policy (repo/s3/retry_policy.h) and the XML fields read from S3
// answers (repo/s3/xml_text.h).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "repo/s3/retry_policy.h"
#include "repo/s3/s3_config.h"
#include "repo/s3/xml_text.h"

namespace pb::repo::s3 {
namespace {

using Kind = Status::Kind;

Getenv EnvOf(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> kKeys = {{"AWS_ACCESS_KEY_ID", "id"}, {"AWS_SECRET_ACCESS_KEY", "secret"}};

TEST(S3Url, SplitsBucketAndPrefix) {
  auto loc = ParseS3Url("s3://my-bucket/backups/host1/");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->bucket, "my-bucket");
  EXPECT_EQ(loc->prefix, "backups/host1");
  auto root = ParseS3Url("s3://my-bucket");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->prefix, "");
}

TEST(S3Url, RefusesMalformedUrls) {
  for (const char* bad : {"/srv/repo", "s3://", "s3:///p", "s3://B/p", "s3://ab/p", "s3://b_k/p", "s3://bkt/a//b",
                          "s3://bkt/a/../b", "s3://bkt/./a"}) {
    auto loc = ParseS3Url(bad);
    EXPECT_EQ(loc.status().kind(), Kind::kInvalidArgument) << bad;
  }
}

TEST(S3Url, RepositoryPathsMapOneToOneOntoKeys) {
  EXPECT_EQ(ObjectKey({"bkt", "p/q"}, "data/ab/ab12"), "p/q/data/ab/ab12");
  EXPECT_EQ(ObjectKey({"bkt", "p/q"}, "config"), "p/q/config");
  EXPECT_EQ(ObjectKey({"bkt", ""}, "config"), "config");
}

TEST(S3Endpoint, ParsesHostPortAndScheme) {
  auto ep = ParseEndpoint("http://127.0.0.1:9000/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->HostHeader(), "127.0.0.1:9000");
  auto aws = ParseEndpoint("https://s3.eu-west-1.amazonaws.com");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->HostHeader(), "s3.eu-west-1.amazonaws.com");
  for (const char* bad : {"127.0.0.1:9000", "ftp://h", "http://h:0", "http://h:99999", "http://h/path", "http://"}) {
    EXPECT_EQ(ParseEndpoint(bad).status().kind(), Kind::kInvalidArgument) << bad;
  }
}

TEST(S3Environment, MissingCredentialsAreInvalidArgumentNamingTheVariable) {
  auto none = ConfigFromEnvironment("s3://bkt/p", {}, EnvOf({}));
  EXPECT_EQ(none.status().kind(), Kind::kInvalidArgument);
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto no_secret = ConfigFromEnvironment("s3://bkt/p", {}, EnvOf({{"AWS_ACCESS_KEY_ID", "id"}}));
  EXPECT_EQ(no_secret.status().kind(), Kind::kInvalidArgument);
  EXPECT_NE(no_secret.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(S3Environment, DefaultsToAwsInUsEast1WithVirtualHostAddressing) {
  auto c = ConfigFromEnvironment("s3://bkt/p", {}, EnvOf(kKeys));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->endpoint.scheme, "https");
  EXPECT_EQ(c->endpoint.HostHeader(), "s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(c->path_style);
  EXPECT_EQ(c->credentials.access_key_id, "id");
  EXPECT_EQ(c->credentials.session_token, "");
}

TEST(S3Environment, ReadsRegionTokenAndEndpointInPrecedenceOrder) {
  auto vars = kKeys;
  vars["AWS_DEFAULT_REGION"] = "eu-west-1";
  vars["AWS_SESSION_TOKEN"] = "tok";
  vars["AWS_ENDPOINT_URL"] = "https://generic.example";
  auto c = ConfigFromEnvironment("s3://bkt/p", {}, EnvOf(vars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->credentials.session_token, "tok");
  EXPECT_EQ(c->endpoint.host, "generic.example");

  vars["AWS_REGION"] = "ap-south-1";
  vars["AWS_ENDPOINT_URL_S3"] = "https://s3.example";
  c = ConfigFromEnvironment("s3://bkt/p", {}, EnvOf(vars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "ap-south-1");
  EXPECT_EQ(c->endpoint.host, "s3.example");

  c = ConfigFromEnvironment("s3://bkt/p", {"https://flag.example:8443", false}, EnvOf(vars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->endpoint.HostHeader(), "flag.example:8443");
}

TEST(S3Environment, PathStyleOnRequestAndForIpOrLocalhostEndpoints) {
  auto vars = kKeys;
  EXPECT_TRUE(ConfigFromEnvironment("s3://bkt/p", {"http://127.0.0.1:9000", false}, EnvOf(vars))->path_style);
  EXPECT_TRUE(ConfigFromEnvironment("s3://bkt/p", {"http://localhost:9000", false}, EnvOf(vars))->path_style);
  EXPECT_FALSE(ConfigFromEnvironment("s3://bkt/p", {"https://minio.example", false}, EnvOf(vars))->path_style);
  EXPECT_TRUE(ConfigFromEnvironment("s3://bkt/p", {"https://minio.example", true}, EnvOf(vars))->path_style);
  vars["PAYMENTS_S3_PATH_STYLE"] = "1";
  EXPECT_TRUE(ConfigFromEnvironment("s3://bkt/p", {"https://minio.example", false}, EnvOf(vars))->path_style);
}

TEST(S3Environment, AMalformedEndpointIsInvalidArgument) {
  auto c = ConfigFromEnvironment("s3://bkt/p", {"127.0.0.1:9000", false}, EnvOf(kKeys));
  EXPECT_EQ(c.status().kind(), Kind::kInvalidArgument);
}

TEST(S3Retry, RetriesServerErrorsThrottlingAndTimeoutsOnly) {
  for (long s : {500L, 502L, 503L, 504L, 429L, 408L}) EXPECT_TRUE(IsRetryableStatus(s)) << s;
  for (long s : {200L, 206L, 400L, 403L, 404L, 409L, 412L, 416L, 501L}) EXPECT_FALSE(IsRetryableStatus(s)) << s;
}

TEST(S3Retry, BackoffGrowsExponentiallyWithJitterAndIsCapped) {
  RetryPolicy p;  // base 200 ms, cap 5 s
  EXPECT_EQ(p.DelayBefore(2, 0).count(), 100);
  EXPECT_EQ(p.DelayBefore(2, 100).count(), 200);
  EXPECT_EQ(p.DelayBefore(3, 0).count(), 200);
  EXPECT_EQ(p.DelayBefore(4, 0).count(), 400);
  for (uint64_t r : {0ull, 7ull, 123456789ull, ~0ull}) {
    for (int attempt = 2; attempt <= 40; ++attempt) {
      auto d = p.DelayBefore(attempt, r).count();
      EXPECT_GE(d, std::min<int64_t>(5000, int64_t{200} << std::min(attempt - 2, 30)) / 2);
      EXPECT_LE(d, 5000);
    }
  }
  EXPECT_NE(p.DelayBefore(5, 1), p.DelayBefore(5, 2));
}

TEST(S3Xml, ReadsListingsAndErrors) {
  const std::string listing =
      "<ListBucketResult><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a&amp;b</Key><Size>3</Size></Contents><Contents><Key>p/c</Key><Size>10</Size></Contents>"
      "<NextContinuationToken>t1</NextContinuationToken></ListBucketResult>";
  auto items = XmlElements(listing, "Contents");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(XmlText(items[0], "Key"), "p/a&b");
  EXPECT_EQ(XmlText(items[1], "Size"), "10");
  EXPECT_EQ(XmlText(listing, "NextContinuationToken"), "t1");
  EXPECT_EQ(XmlText(listing, "Key"), "p/a&b");  // not <KeyCount>
  EXPECT_EQ(XmlText("<Error><Code>NoSuchBucket</Code></Error>", "Code"), "NoSuchBucket");
  EXPECT_EQ(XmlText("<Error/>", "Code"), "");
  EXPECT_EQ(XmlText("<Key>a&#38;b&#x26;c&unknown;</Key>", "Key"), "a&b&c&unknown;");
  EXPECT_EQ(XmlEscape("\"a\"<&>"), "&quot;a&quot;&lt;&amp;&gt;");
}

}  // namespace
}  // namespace pb::repo::s3
