// repo/: an open repository — the unlocked master key, the config, sealed
// files, the index and verified blob reads, on top of one Backend
// (docs/repository-format.md).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "repo/backend.h"
#include "repo/buffer_pool.h"
#include "repo/chunker.h"
#include "repo/crypto.h"
#include "repo/index.h"
#include "repo/snapshot.h"
#include "repo/tree.h"

namespace pb::repo {

struct RepoConfig {
  std::string id;  // 64 hex digits
  ChunkerParams chunker;
  int64_t created_ms = 0;
};

// Parses the plaintext of the repository's `config` file; Corruption naming
// the field on any damage (unknown version, invalid chunker sizes).
Result<RepoConfig> DecodeConfig(std::string_view json);

// Largest plaintext of a sealed file (index, snapshot, lock, config).
inline constexpr size_t kMaxSealedFile = size_t{256} << 20;

// The stored form of a sealed file: Seal(Compress(json)).
std::string SealFile(const MasterKey& key, std::string_view json);
// Reverses SealFile. Corruption naming `what` on any damage.
Result<std::string> OpenSealedFile(const MasterKey& key, std::string_view stored, std::string_view what);

// Opens one stored blob and checks it: authentication, decompression within
// the type's limit, the plaintext length and HMAC id. Corruption naming
// `what` (the pack and the blob) on any mismatch.
Result<std::string> OpenBlob(const MasterKey& key, std::string_view stored, const Digest& id, const BlobLocation& loc,
                             std::string_view what);
// OpenBlob without zeroed or extra copies: decrypts stored[0, size) where it
// lies (OpenInPlace) and decodes the plaintext into a buffer from `pool`.
// Same checks and errors.
Result<PooledBuffer> OpenBlobInPlace(const MasterKey& key, char* stored, size_t size, const Digest& id,
                                     const BlobLocation& loc, std::string_view what, BufferPool* pool);

class Repository {
 public:
  // Creates a repository on an empty `backend`: a fresh master key sealed
  // with `password` in keys/, and config. Errors: InvalidArgument for an
  // empty password; whatever the backend reports.
  static Status Init(Backend& backend, std::string_view password, const KdfParams& kdf);

  // Unlocks the repository with `password` (UnlockKeyFiles, repo/key_file.h)
  // and reads its config. Errors: InvalidArgument "wrong password" when no
  // key opens; Corruption naming the damaged file: config, or a key file when
  // none opens and one of them is damaged (modified since written, malformed,
  // too large, or asking for a key-derivation cost out of limits); backend
  // errors.
  static Result<std::unique_ptr<Repository>> Open(std::unique_ptr<Backend> backend, std::string_view password);

  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  Backend& backend() { return *backend_; }
  const MasterKey& key() const { return key_; }
  const RepoConfig& config() const { return config_; }

  // Stores `json` as a sealed file in `folder`; returns its name.
  Result<std::string> SaveFile(std::string_view folder, std::string_view json);
  // Reads folder/name, checks that the name is the SHA-256 of the bytes,
  // opens it. Corruption naming the path on any damage.
  Result<std::string> LoadFile(std::string_view folder, std::string_view name);

  // Reads, checks and decodes index/<name>. Corruption naming it on any
  // damage; backend errors.
  Result<std::vector<IndexedPack>> LoadIndexFile(const std::string& name);

  // Reads every index file into index(), replacing what it held (a
  // long-running process reloads it after a prune). A damaged index file
  // (Corruption: its name is not its SHA-256, it does not open or parse) is
  // skipped and its message kept in unreadable_index_files(): the blobs it
  // listed read as missing (ReadBlob says which file could not be read), so
  // only the snapshots that need them are affected, and a backup stores
  // them again. Errors: backend errors (a folder that cannot be listed, a
  // file that cannot be read for another reason).
  Status LoadIndex();
  const Index& index() const { return index_; }
  Index& mutable_index() { return index_; }
  // "index/<name>: <why>" for each index file the last LoadIndex skipped.
  const std::vector<std::string>& unreadable_index_files() const { return unreadable_index_; }

  // The name (under keys/) of the key file the password opened.
  const std::string& key_file() const { return key_file_; }

  // Reads one blob from its pack and verifies it (OpenBlob).
  // NotFound when the index does not know it (naming the index files
  // LoadIndex skipped, if any).
  Result<std::string> ReadBlob(const Digest& id);
  // Receives the blobs of ReadBlobRun: the index in `ids`, and the blob's
  // plaintext or why it cannot be had.
  using BlobSink = std::function<void(size_t, Result<PooledBuffer>)>;
  // Reads the blobs `ids` with one ranged read of their pack (bytes between
  // them are read and dropped) into a buffer from `pool`, opens each where
  // it lies (OpenBlobInPlace) and hands it to `take` as soon as it is
  // decoded, in order: one call per id, a failed read failing all of them.
  // When the index does not place them in one pack at increasing,
  // non-overlapping offsets, each is read alone (with ReadBlob's errors).
  // Restore uses it to cut the requests to remote storage and to decode
  // into reused buffers that are never zeroed.
  void ReadBlobRun(const std::vector<Digest>& ids, BufferPool* pool, const BlobSink& take);
  Result<Tree> LoadTree(const Digest& id);

  // Every snapshot, oldest first. Corruption names a damaged snapshot file,
  // unless `damaged` is given: then damaged snapshot files are skipped and
  // their messages appended to it (readers use this; forget and prune must not).
  Result<std::vector<SnapshotRef>> ListSnapshots(std::vector<std::string>* damaged = nullptr);

  // Removes the snapshot file snapshots/<id> (forget; the data it used stays
  // until a prune). Ok also when it is already gone (a concurrent forget
  // removed it). Errors: InvalidArgument when `id` is not a full snapshot id
  // (64 hex digits); backend errors.
  Status RemoveSnapshot(std::string_view id);

 private:
  explicit Repository(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
  // The blobs `ids` at `locs` (one pack, increasing offsets, non-empty):
  // one ranged read, then OpenBlobInPlace on each, handed to `take`.
  void ReadPackRange(const std::vector<Digest>& ids, const std::vector<const BlobLocation*>& locs, BufferPool* pool,
                     const BlobSink& take);
  // NotFound for a blob the index does not know (naming the index files
  // LoadIndex skipped, if any).
  Status NotInIndex(const Digest& id) const;
  // "data/<xx>/<pack>" of the pack holding `loc`.
  std::string PackPath(const BlobLocation& loc) const;
  std::unique_ptr<Backend> backend_;
  MasterKey key_;
  std::string key_file_;
  RepoConfig config_;
  Index index_;
  std::vector<std::string> unreadable_index_;
};

}  // namespace pb::repo
