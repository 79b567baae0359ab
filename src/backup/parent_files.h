// backup/: the parent snapshot of a backup, as the file saver reuses it:
// its regular files by data-directory path, and what it recorded of the
// ledger.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/snapshot_select.h"

namespace pb::backup {

class ParentFiles {
 public:
  // No parent: every file is read whole.
  ParentFiles() = default;
  // The parent `newest` (null: none). A parent whose trees cannot be read
  // is no parent (a warning says so, and every file is read whole). A file
  // whose blobs are not all in repo's index (`paymentsctl repair` dropped
  // them) is left out, so that it is read and its blobs stored again.
  // REQUIRES: the index is loaded.
  static ParentFiles Load(repo::Repository* repo, const repo::SnapshotRef* newest);

  // The parent's regular file at `rel`, or null.
  const repo::Node* Find(const std::string& rel) const;
  const std::unordered_map<std::string, repo::Node>& files() const { return files_; }
  // The parent's snapshot id; empty when there is none.
  const std::string& id() const { return id_; }
  const std::optional<repo::SnapshotLedger>& ledger() const { return ledger_; }

 private:
  Status LoadTree(repo::Repository* repo, const Digest& id, const std::string& prefix);

  std::unordered_map<std::string, repo::Node> files_;
  std::string id_;
  std::optional<repo::SnapshotLedger> ledger_;
};

}  // namespace pb::backup
