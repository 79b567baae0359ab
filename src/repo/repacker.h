// repo/: rewriting packs and the index — what prune does with the used
// blobs of a mostly unused pack and repair with the sound blobs of a damaged
// one: blobs are copied as stored (sealed, never re-encrypted) into new
// packs, then a new set of index files replaces the old one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "repo/repository.h"

namespace pb::repo {

// Not thread-safe; not copyable. The packs it writes are named by no index
// file until the caller writes one listing written().
class Repacker {
 public:
  explicit Repacker(Repository* repo) : repo_(repo) {}
  Repacker(const Repacker&) = delete;
  Repacker& operator=(const Repacker&) = delete;

  // Adds the stored blob `e` (the bytes of `stored`); writes the pack once
  // it passes kPackTargetBytes. Errors: backend errors.
  Status Copy(const PackEntry& e, std::string_view stored);
  // Writes the pack being filled, if any. Errors: backend errors.
  Status Close();
  // The packs written so far, with their entries.
  std::vector<IndexedPack>& written() { return written_; }

 private:
  Repository* repo_;
  PackBuilder builder_;
  std::vector<IndexedPack> written_;
};

// Writes index files listing exactly `packs` (kPacksPerIndexFile packs per
// file), then removes each of `old_names` (index/ names) that is not one
// of them. Interrupted, it leaves the union of both sets, which still
// places every blob. Errors: backend errors.
Status ReplaceIndexFiles(Repository* repo, const std::vector<IndexedPack>& packs,
                         const std::vector<std::string>& old_names);

}  // namespace pb::repo
