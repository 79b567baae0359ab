// repo/s3/: the repository in an S3 bucket under a prefix
// (s3://BUCKET/PREFIX), the layout of docs/repository-format.md mapped one
// to one onto object keys ("PREFIX/data/ab/ab12..."). See docs/s3-backend.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "repo/backend.h"
#include "repo/s3/s3_client.h"

namespace pb::repo::s3 {

// Objects larger than this are sent as a multipart upload of kPartBytes
// parts (the last one shorter), kPartUploaders parts at a time.
inline constexpr size_t kMultipartThreshold = size_t{8} << 20;
inline constexpr size_t kPartBytes = size_t{8} << 20;
inline constexpr int kPartUploaders = 4;
// Reads a restore keeps in flight (PreferredReaders). Measured against
// s3rver on 2 cores, 1.3 GiB: 2 readers 2.3-3.1 s, 3-4 readers 1.8-2.1 s,
// 6 no faster and a third more memory.
inline constexpr int kReaders = 4;

// Backend on S3. An object only appears complete: a single PUT is atomic,
// and a multipart upload becomes visible only at its completion (a failed
// one is aborted). Every object carries the SHA-256 of its bytes in
// x-amz-meta-sha256; reads check it and the length, so a damaged or
// truncated object is Corruption, never data. Write-once is enforced by a
// HEAD before the PUT (same size and SHA-256: Ok; else, when that still holds
// after three more looks over about 1.3 s, Conflict: a server whose PUT is
// not atomic shows a concurrent writer's object before it is whole). S3 has no
// rename, so two processes racing to create the same *different* file can
// both succeed; the repository only writes content-addressed names (and
// config once, at init), where this cannot happen.
class S3Backend final : public Backend {
 public:
  // A new repository at config.location. Nothing is written (S3 has no
  // folders). Errors: Conflict if the prefix already holds any object;
  // the S3Client errors (no such bucket, credentials, unreachable).
  static Result<std::unique_ptr<S3Backend>> Create(Config config, RetryPolicy retry = {});

  // The repository at config.location. Errors: NotFound if the prefix has
  // no config object (paymentsctl init creates one); the S3Client errors.
  static Result<std::unique_ptr<S3Backend>> Open(Config config, RetryPolicy retry = {});

  Result<std::vector<std::string>> List(std::string_view folder) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::string> ReadRange(std::string_view path, uint64_t offset, size_t length) override;
  Result<uint64_t> Size(std::string_view path) override;
  Status Write(std::string_view path, std::string_view bytes) override;
  Status Remove(std::string_view path) override;
  // Aborts the unfinished multipart uploads under the prefix (what an
  // interrupted Write leaves). A server that cannot list them counts 0.
  Result<size_t> RemoveTemporaryFiles() override;
  // "s3://BUCKET/PREFIX at ENDPOINT"
  std::string Describe() const override;
  int PreferredReaders() const override { return kReaders; }

  S3Client& client() { return client_; }

 private:
  S3Backend(Config config, RetryPolicy retry) : client_(std::move(config), retry) {}
  std::string Key(std::string_view path) const { return ObjectKey(client_.config().location, path); }
  // "PREFIX/" (or "" for a repository at the bucket's root).
  std::string RootPrefix() const;
  // Ok if the existing object `info` at `key` holds `bytes`, else Conflict.
  Status AcceptExisting(const std::string& key, const ObjectInfo& info, std::string_view bytes,
                        const std::string& sha256_hex);
  Status WriteMultipart(const std::string& key, std::string_view bytes, const std::string& sha256_hex);

  S3Client client_;
};

}  // namespace pb::repo::s3
