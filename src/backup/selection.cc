#include "backup/selection.h"

#include "ledger/data_dir_lock.h"
#include "ledger/datadir.h"
#include "replicate/status.h"
#include "restore/placement.h"

namespace pb::backup {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

const char* ModeName(BackupMode mode) { return mode == BackupMode::kFull ? "full" : "essential"; }

bool ParseMode(std::string_view text, BackupMode* out) {
  if (text == "essential") {
    *out = BackupMode::kEssential;
  } else if (text == "full") {
    *out = BackupMode::kFull;
  } else {
    return false;
  }
  return true;
}

bool Selected(std::string_view rel, BackupMode mode) {
  if (EndsWith(rel, ledger::kPendingSuffix) || EndsWith(rel, ".tmp")) return false;
  if (rel == replicate::kStatusFileName) return false;  // the replicator's, not the data's
  if (rel == ledger::kLockFileName) return false;         // the running writer's, not the data's
  // What an in-place restore on a mount point keeps inside the data
  // directory: the old content, and an interrupted restore's staging.
  if (rel.find('/') == std::string_view::npos &&
      (StartsWith(rel, restore::kAsidePrefix) || StartsWith(rel, restore::kMountStagingPrefix))) {
    return false;
  }
  if (mode == BackupMode::kEssential &&
      (StartsWith(rel, ledger::kAccessLog) || StartsWith(rel, "audit/docker.db"))) {
    return false;
  }
  return true;
}

std::vector<std::string> ExcludePatterns(BackupMode mode) {
  std::vector<std::string> out = {"*" + std::string(ledger::kPendingSuffix), "*.tmp",
                                  "/" + std::string(replicate::kStatusFileName),
                                  "/" + std::string(ledger::kLockFileName),
                                  "/" + std::string(restore::kAsidePrefix) + "*",
                                  "/" + std::string(restore::kMountStagingPrefix) + "*"};
  if (mode == BackupMode::kEssential) {
    out.push_back("/" + std::string(ledger::kAccessLog) + "*");
    out.push_back("/audit/docker.db*");
  }
  return out;
}

}  // namespace pb::backup
