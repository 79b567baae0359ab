// cli/: the rendering of a prune plan (repo/prune.h), which `paymentsctl
// prune` and `forget --prune` print, as text or as JSON from the same value.
#pragma once

#include <string>

#include "repo/prune.h"

namespace pb::cli {

// The summary line ("would prune: ..." for a dry run, "pruned: ..." after
// the run) and, for a dry run, one indented line per pack or wal object the
// plan removes or rewrites. Ends with a newline.
std::string PrunePlanText(const repo::PrunePlan& plan, bool dry_run);

// One JSON object: the counts (packs_removed, packs_rewritten, packs_kept,
// blobs_removed, bytes_freed, bytes_copied, wal_removed) and the lists
// (removed_packs, rewritten_packs, orphan_packs, removed_wal).
std::string PrunePlanJson(const repo::PrunePlan& plan);

}  // namespace pb::cli
