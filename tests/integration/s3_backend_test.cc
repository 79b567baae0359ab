// What only the S3 backend (repo/s3/s3_backend.h) does, against a real
// s3rver on 127.0.0.1, beside the contract every backend keeps
// (backend_contract_test.cc, run on this one too): multipart uploads,
// retries of 5xx, clear errors for a missing bucket or a wrong secret, a
// config object to open, and damaged objects never read as data.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "common/sha256.h"
#include "repo/s3/s3_backend.h"
#include "support/data_files.h"
#include "support/s3rver_fixture.h"
#include "support/test_support.h"

namespace pb::repo::s3 {
namespace {

using integration::FaultProxy;
using integration::RandomBytes;
using integration::S3rver;
using Kind = Status::Kind;

#define PB_ASSERT_OK(expr)                                    \
  do {                                                        \
    const ::pb::Status _st = (expr);                          \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

// A fast policy so that the failure tests stay short; the same code path.
constexpr RetryPolicy kFastRetry{6, std::chrono::milliseconds(20), std::chrono::milliseconds(200)};

class S3BackendTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s3_.Start().ok()) << integration::FileTail(dir_.Sub("s3rver.log")); }

  Config ConfigFor(const std::string& url, const std::string& endpoint = "") {
    std::vector<std::string> env = s3_.ClientEnv(endpoint);
    auto getenv = [env](const char* name) -> std::optional<std::string> {
      for (const std::string& kv : env) {
        if (kv.starts_with(std::string(name) + "=")) return kv.substr(std::strlen(name) + 1);
      }
      return std::nullopt;
    };
    auto config = ConfigFromEnvironment(url, {}, getenv);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config.value();
  }

  std::unique_ptr<S3Backend> Create(const std::string& prefix = "repo", const std::string& endpoint = "") {
    auto backend = S3Backend::Create(ConfigFor("s3://pb-test/" + prefix, endpoint), kFastRetry);
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    return backend.ok() ? std::move(backend).value() : nullptr;
  }

  integration::TempDir dir_;
  S3rver s3_{dir_.Sub("store"), dir_.Sub("s3rver.log")};
};

std::string PackPath(const std::string& bytes) {
  std::string name = Sha256Hex(bytes);
  return PathOf("data", name);
}

TEST_F(S3BackendTest, LargeObjectsGoUpInParallelPartsAndReadBackWhole) {
  auto b = Create();
  ASSERT_NE(b, nullptr);
  const std::string big = RandomBytes(kMultipartThreshold * 2 + 12345, 3);  // 3 parts
  const std::string path = PackPath(big);
  PB_ASSERT_OK(b->Write(path, big));
  auto read = b->Read(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(*read == big);
  auto info = b->client().Head(b->client().config().location.prefix + "/" + path);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sha256, Sha256Hex(big));
  PB_ASSERT_OK(b->Write(path, big));  // write-once holds for multipart objects too
  EXPECT_EQ(*b->ReadRange(path, kPartBytes - 5, 10), big.substr(kPartBytes - 5, 10));
}

TEST_F(S3BackendTest, AFailedMultipartUploadLeavesNoObject) {
  FaultProxy proxy(s3_.port(), [](const std::string& method, const std::string& target, const std::string&) {
    return method == "PUT" && target.find("partNumber=2") != std::string::npos ? 500 : 0;
  });
  auto b = Create("multipart-fails", proxy.Endpoint());
  ASSERT_NE(b, nullptr);
  const std::string big = RandomBytes(kMultipartThreshold + kPartBytes / 2, 5);  // 2 parts
  const std::string path = PackPath(big);
  Status st = b->Write(path, big);
  EXPECT_EQ(st.kind(), Kind::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("part 2"), std::string::npos) << st.ToString();
  EXPECT_EQ(b->Read(path).status().kind(), Kind::kNotFound);
  EXPECT_TRUE(b->List("data")->empty());
}

// S3 has no folders: a created repository is only a prefix, and Open needs
// the config object that init writes.
TEST_F(S3BackendTest, OpenNeedsAConfigObject) {
  auto b = Create("taken");
  ASSERT_NE(b, nullptr);
  auto missing = S3Backend::Open(ConfigFor("s3://pb-test/taken"), kFastRetry);
  EXPECT_EQ(missing.status().kind(), Kind::kNotFound) << missing.status().ToString();
  PB_ASSERT_OK(b->Write("config", "c"));
  EXPECT_TRUE(S3Backend::Open(ConfigFor("s3://pb-test/taken"), kFastRetry).ok());
}

TEST_F(S3BackendTest, AMissingBucketSaysToCreateIt) {
  auto b = S3Backend::Open(ConfigFor("s3://no-such-bucket/repo"), kFastRetry);
  EXPECT_EQ(b.status().kind(), Kind::kNotFound);
  EXPECT_NE(b.status().message().find("create the bucket"), std::string::npos) << b.status().ToString();
}

TEST_F(S3BackendTest, AnUnknownKeyIsRefusedWithAdviceAndWithoutTheSecret) {
  Config config = ConfigFor("s3://pb-test/repo");
  config.credentials.access_key_id = "UNKNOWN" + s3_.access_key_id();
  auto b = S3Backend::Create(config, kFastRetry);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().kind(), Kind::kIOError);
  const std::string& msg = b.status().message();
  EXPECT_NE(msg.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(s3_.secret_access_key()), std::string::npos) << msg;
}

TEST_F(S3BackendTest, ServerErrorsAreRetriedUntilTheyPass) {
  std::atomic<int> puts{0};
  FaultProxy proxy(s3_.port(), [&](const std::string& method, const std::string&, const std::string&) {
    if (method != "PUT") return 0;
    int n = puts++;
    return n < 3 ? (n % 2 ? 503 : 500) : 0;
  });
  auto b = Create("retried", proxy.Endpoint());
  ASSERT_NE(b, nullptr);
  PB_ASSERT_OK(b->Write("config", "survives three failures"));
  EXPECT_EQ(proxy.injected(), 3);
  EXPECT_EQ(b->client().retries(), 3u);
  EXPECT_EQ(*b->Read("config"), "survives three failures");
}

TEST_F(S3BackendTest, APermanentServerErrorFailsClearlyAndLeavesNothing) {
  FaultProxy proxy(s3_.port(), [](const std::string& method, const std::string&, const std::string&) {
    return method == "PUT" ? 500 : 0;
  });
  auto b = Create("failing", proxy.Endpoint());
  ASSERT_NE(b, nullptr);
  Status st = b->Write("config", "never stored");
  EXPECT_EQ(st.kind(), Kind::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("retry later"), std::string::npos) << st.ToString();
  EXPECT_EQ(proxy.injected(), kFastRetry.max_attempts);
  EXPECT_EQ(b->Read("config").status().kind(), Kind::kNotFound);
}

TEST_F(S3BackendTest, ASessionTokenTravelsAsTheSecurityTokenHeaderAndTheSecretNever) {
  std::mutex mu;
  std::vector<std::string> heads;
  FaultProxy proxy(s3_.port(), [&](const std::string&, const std::string&, const std::string& head) {
    std::lock_guard<std::mutex> lock(mu);
    heads.push_back(head);
    return 0;
  });
  Config config = ConfigFor("s3://pb-test/token", proxy.Endpoint());
  config.credentials.session_token = "session-token-of-the-test";
  auto b = S3Backend::Create(config, kFastRetry);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  PB_ASSERT_OK((*b)->Write("config", "c"));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(heads.empty());
  for (const std::string& head : heads) {
    EXPECT_NE(head.find("x-amz-security-token: session-token-of-the-test\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("Authorization: AWS4-HMAC-SHA256 Credential=" + s3_.access_key_id() + "/"), std::string::npos)
        << head;
    EXPECT_EQ(head.find(s3_.secret_access_key()), std::string::npos) << head;
  }
}

TEST_F(S3BackendTest, AnUnreachableEndpointIsUnavailableAfterBoundedRetries) {
  const uint16_t closed = integration::FreeLoopbackPort();
  auto b = S3Backend::Open(ConfigFor("s3://pb-test/repo", "http://127.0.0.1:" + std::to_string(closed)), kFastRetry);
  EXPECT_EQ(b.status().kind(), Kind::kUnavailable);
  EXPECT_NE(b.status().message().find("127.0.0.1:" + std::to_string(closed)), std::string::npos);
}

TEST_F(S3BackendTest, AnObjectWhoseBytesDoNotMatchItsRecordedHashIsCorruption) {
  auto b = Create();
  ASSERT_NE(b, nullptr);
  const std::string full = RandomBytes(4000, 4);
  const std::string path = PackPath(full);
  // What a torn copy by another tool would leave: the name and hash of the
  // whole pack over a truncated body.
  PB_ASSERT_OK(b->client().Put("repo/" + path, full.substr(0, 1000), Sha256Hex(full)));
  auto read = b->Read(path);
  EXPECT_EQ(read.status().kind(), Kind::kCorruption) << read.status().ToString();
  EXPECT_EQ(b->Write(path, full).kind(), Kind::kConflict);  // and it is not taken for the complete pack
}

TEST_F(S3BackendTest, RemovingTemporaryFilesToleratesAServerWithoutUploadListing) {
  auto b = Create();
  ASSERT_NE(b, nullptr);
  auto removed = b->RemoveTemporaryFiles();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
}

}  // namespace
}  // namespace pb::repo::s3
