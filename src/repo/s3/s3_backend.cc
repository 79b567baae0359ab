#include "repo/s3/s3_backend.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/sha256.h"

namespace pb::repo::s3 {
namespace {

// How long Write waits before each new look at an object that differs from
// the bytes it was asked to write (about 1.3 s in all).
constexpr std::chrono::milliseconds kRecheckWaits[] = {std::chrono::milliseconds(50), std::chrono::milliseconds(200),
                                                       std::chrono::milliseconds(1000)};

}  // namespace

Result<std::unique_ptr<S3Backend>> S3Backend::Create(Config config, RetryPolicy retry) {
  std::unique_ptr<S3Backend> backend(new S3Backend(std::move(config), retry));
  auto existing = backend->client_.List(backend->RootPrefix(), 1);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Status::Conflict(backend->Describe() + " already holds objects (" +
                            backend->client_.Url(existing->front().key) +
                            "): refusing to create a repository there (choose a new or empty prefix)");
  }
  return backend;
}

Result<std::unique_ptr<S3Backend>> S3Backend::Open(Config config, RetryPolicy retry) {
  std::unique_ptr<S3Backend> backend(new S3Backend(std::move(config), retry));
  auto head = backend->client_.Head(backend->Key("config"));
  if (head.ok()) return backend;
  if (head.status().kind() != Status::Kind::kNotFound) return head.status();
  // A HEAD cannot tell a missing bucket from a missing key; a listing can.
  auto any = backend->client_.List(backend->RootPrefix(), 1);
  if (!any.ok()) return any.status();
  return Status::NotFound("no repository at " + backend->Describe() +
                          " (it has no config object; paymentsctl init creates one)");
}

std::string S3Backend::RootPrefix() const {
  const std::string& prefix = client_.config().location.prefix;
  return prefix.empty() ? "" : prefix + "/";
}

std::string S3Backend::Describe() const {
  const Config& c = client_.config();
  return "s3://" + c.location.bucket + "/" + c.location.prefix + " at " + c.endpoint.scheme + "://" +
         c.endpoint.HostHeader();
}

Result<std::vector<std::string>> S3Backend::List(std::string_view folder) {
  if (std::find(std::begin(kFolders), std::end(kFolders), folder) == std::end(kFolders)) {
    return Status::InvalidArgument("cannot list \"" + std::string(folder) +
                                   "\": not a folder of the repository layout");
  }
  const std::string root = RootPrefix();
  auto objects = client_.List(root + std::string(folder) + "/");
  if (!objects.ok()) return objects.status();
  std::vector<std::string> names;
  for (const ListedObject& o : *objects) {
    std::string_view path = std::string_view(o.key).substr(root.size());
    bool nested = folder != "data" && path.find('/', folder.size() + 1) != std::string_view::npos;
    if (nested || !ValidatePath(path).ok()) {
      return Status::Corruption("unexpected object " + client_.Url(o.key) +
                                ": a repository prefix holds only objects written by paymentsctl; move it out of " +
                                Describe());
    }
    names.emplace_back(path.substr(path.rfind('/') + 1));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> S3Backend::Read(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  return client_.Get(Key(path));
}

Result<std::string> S3Backend::ReadRange(std::string_view path, uint64_t offset, size_t length) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  // A range whose end does not fit in 64 bits would wrap in the Range
  // header (a server ignores an invalid one and sends the whole object):
  // only the size can answer it, as it answers an empty range.
  if (length > 0 && offset <= UINT64_MAX - length) return client_.GetRange(Key(path), offset, length);
  auto size = Size(path);
  if (!size.ok()) return size.status();
  if (offset > *size) {
    return Status::Corruption(client_.Url(Key(path)) + " is " + std::to_string(*size) + " bytes; offset " +
                              std::to_string(offset) + " lies past its end: run paymentsctl check");
  }
  if (length > *size - offset) {
    return Status::Corruption(client_.Url(Key(path)) + " is " + std::to_string(*size) + " bytes; the range of " +
                              std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                              " ends past its end: run paymentsctl check");
  }
  return std::string();
}

Result<uint64_t> S3Backend::Size(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  auto info = client_.Head(Key(path));
  if (!info.ok()) return info.status();
  return info->size;
}

Status S3Backend::AcceptExisting(const std::string& key, const ObjectInfo& info, std::string_view bytes,
                                 const std::string& sha256_hex) {
  bool same = info.size == bytes.size();
  if (same && !info.sha256.empty()) {
    same = info.sha256 == sha256_hex;
  } else if (same) {  // written by another tool: compare the bytes themselves
    auto existing = client_.Get(key);
    if (!existing.ok()) return existing.status();
    same = *existing == bytes;
  }
  if (same) return Status::Ok();
  return Status::Conflict(client_.Url(key) + " already exists with different content; repository files are "
                          "written once and never replaced, so the existing object is damaged or the writer is "
                          "wrong: run paymentsctl check");
}

Status S3Backend::Write(std::string_view path, std::string_view bytes) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  const std::string key = Key(path);
  const std::string sha256_hex = Sha256Hex(bytes);
  auto existing = client_.Head(key);
  if (existing.ok()) {
    // A server whose PUT is not atomic (s3rver, some S3-compatible stores)
    // shows the object of a concurrent writer of the same bytes before it
    // is whole: only a difference that lasts is a conflict.
    Status st = AcceptExisting(key, *existing, bytes, sha256_hex);
    for (auto wait : kRecheckWaits) {
      if (st.kind() != Status::Kind::kConflict) break;
      std::this_thread::sleep_for(wait);
      existing = client_.Head(key);
      if (!existing.ok()) return existing.status();
      st = AcceptExisting(key, *existing, bytes, sha256_hex);
    }
    return st;
  }
  if (existing.status().kind() != Status::Kind::kNotFound) return existing.status();
  if (bytes.size() > kMultipartThreshold) return WriteMultipart(key, bytes, sha256_hex);
  return client_.Put(key, bytes, sha256_hex);
}

Status S3Backend::WriteMultipart(const std::string& key, std::string_view bytes, const std::string& sha256_hex) {
  auto upload_id = client_.CreateMultipartUpload(key, sha256_hex);
  if (!upload_id.ok()) return upload_id.status();
  const size_t parts = (bytes.size() + kPartBytes - 1) / kPartBytes;
  std::vector<std::string> etags(parts);
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  Status error;
  auto upload = [&] {
    for (size_t i = next++; i < parts; i = next++) {
      {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error.ok()) return;
      }
      auto etag =
          client_.UploadPart(key, *upload_id, static_cast<int>(i + 1), bytes.substr(i * kPartBytes, kPartBytes));
      std::lock_guard<std::mutex> lock(error_mu);
      if (!etag.ok()) {
        if (error.ok()) error = etag.status();
        return;
      }
      etags[i] = std::move(etag).value();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min<size_t>(kPartUploaders, parts); ++t) threads.emplace_back(upload);
  for (std::thread& t : threads) t.join();
  if (error.ok()) error = client_.CompleteMultipartUpload(key, *upload_id, etags);
  if (error.kind() == Status::Kind::kNotFound) {
    // A retried completion whose first attempt succeeded finds no upload any more.
    auto info = client_.Head(key);
    if (info.ok() && info->size == bytes.size() && info->sha256 == sha256_hex) return Status::Ok();
  }
  if (!error.ok()) {
    // Best effort: what is left is invisible to List and Read, and
    // RemoveTemporaryFiles (prune) retries the abort.
    (void)client_.AbortMultipartUpload(key, *upload_id);
  }
  return error;
}

Status S3Backend::Remove(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  const std::string key = Key(path);
  auto info = client_.Head(key);  // S3 deletes a missing key without complaint
  if (!info.ok()) return info.status();
  return client_.Delete(key);
}

Result<size_t> S3Backend::RemoveTemporaryFiles() {
  const std::string root = RootPrefix();
  auto uploads = client_.ListMultipartUploads(root);
  if (!uploads.ok()) return uploads.status();
  if (!uploads->has_value()) return size_t{0};
  size_t aborted = 0;
  for (const PendingUpload& u : **uploads) {
    if (!u.key.starts_with(root) || !ValidatePath(std::string_view(u.key).substr(root.size())).ok()) continue;
    Status st = client_.AbortMultipartUpload(u.key, u.upload_id);
    if (!st.ok() && st.kind() != Status::Kind::kNotFound) return st;
    ++aborted;
  }
  return aborted;
}

}  // namespace pb::repo::s3
