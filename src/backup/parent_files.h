// backup/: the parent snapshot of a backup, as the file saver reuses it:
// its regular files by data-directory path, and what it recorded of the
// ledger. A file the parent does not hold (an `essential` parent holds no
// audit/payments-audit.log) is taken from the newest snapshot of another
// mode of the same group, so that alternating modes read nothing twice.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/snapshot_select.h"

namespace pb::backup {

class ParentFiles {
 public:
  // No parent: every file is read whole.
  ParentFiles() = default;
  // The parent `newest` (null: none), the newest snapshot of its group in
  // `all`. Its files come first; a path it does not hold is looked up in
  // the newest snapshot of each other mode of the group (newest first).
  // A parent whose trees cannot be read is no parent (a warning says so,
  // and every file is read whole); another mode's snapshot that cannot be
  // read is skipped with a warning. A file whose blobs are not all in
  // repo's index (`paymentsctl repair` dropped them) is left out, so that
  // it is read and its blobs stored again.
  // REQUIRES: the index is loaded.
  static ParentFiles Load(repo::Repository* repo, const std::vector<repo::SnapshotRef>& all,
                          const repo::SnapshotRef* newest);

  // The regular file at `rel` in the parent, else in the other modes'
  // snapshots; null when none holds it.
  const repo::Node* Find(const std::string& rel) const;
  // The parent's own regular files (not those of other modes' snapshots).
  const std::unordered_map<std::string, repo::Node>& files() const { return files_; }
  // The parent's snapshot id; empty when there is none.
  const std::string& id() const { return id_; }
  const std::optional<repo::SnapshotLedger>& ledger() const { return ledger_; }

 private:
  // Adds the regular files of tree `id` under `prefix` to *into, keeping
  // what *into already holds at a path.
  static Status LoadTree(repo::Repository* repo, const Digest& id, const std::string& prefix,
                         std::unordered_map<std::string, repo::Node>* into);
  // Fills older_ from the newest snapshot of each mode other than newest's.
  void LoadOtherModes(repo::Repository* repo, const std::vector<repo::SnapshotRef>& all,
                      const repo::SnapshotRef& newest);

  std::unordered_map<std::string, repo::Node> files_;
  std::unordered_map<std::string, repo::Node> older_;  // paths files_ lacks
  std::string id_;
  std::optional<repo::SnapshotLedger> ledger_;
};

}  // namespace pb::backup
