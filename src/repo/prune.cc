#include "repo/prune.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "repo/blob_writer.h"
#include "repo/repacker.h"
#include "repo/wal.h"
#include "repo/wal_check.h"

namespace pb::repo {
namespace {

using BlobSet = std::unordered_set<Digest, DigestHash>;

Status MarkTree(Repository* repo, const Digest& id, BlobSet* used) {
  if (!used->insert(id).second) return Status::Ok();
  auto tree = repo->LoadTree(id);
  if (!tree.ok()) {
    return Status::Corruption("prune stopped without deleting anything: " + tree.status().message() +
                              "; run `paymentsctl check --read-data`");
  }
  for (const Node& node : tree->nodes) {
    if (node.type == NodeType::kDir) PB_RETURN_IF_ERROR(MarkTree(repo, node.tree, used));
    for (const ContentEntry& e : node.content) {
      if (!e.hole) used->insert(e.blob);
    }
  }
  return Status::Ok();
}

// The blobs the snapshots `remaining` need.
Result<BlobSet> MarkUsed(Repository* repo, const std::vector<SnapshotRef>& remaining) {
  BlobSet used;
  for (const SnapshotRef& s : remaining) {
    PB_RETURN_IF_ERROR(MarkTree(repo, s.snapshot.tree, &used));
    if (s.snapshot.env) {
      for (const ContentEntry& e : s.snapshot.env->content) {
        if (!e.hole) used.insert(e.blob);
      }
    }
  }
  return used;
}

// Sorts every pack the index files list into plan->keep, rewrite or remove.
// A blob several packs hold is kept in the first of them (by name).
void ClassifyPacks(std::map<Digest, std::vector<PackEntry>> packs, const BlobSet& used, PrunePlan* plan) {
  BlobSet placed;  // used blobs already given a place in the new index
  for (auto& [pack, blobs] : packs) {
    uint64_t total = 0, unused = 0;
    std::vector<PackEntry> needed;
    for (const PackEntry& e : blobs) {
      total += e.length;
      if (used.count(e.id) && !placed.count(e.id)) {
        needed.push_back(e);
      } else {
        unused += e.length;
      }
    }
    if (needed.empty()) {
      plan->blobs_removed += blobs.size();
      plan->bytes_freed += total;
      plan->remove.push_back(IndexedPack{pack, std::move(blobs)});
      continue;
    }
    for (const PackEntry& e : needed) placed.insert(e.id);
    if (static_cast<double>(unused) > kRepackUnusedFraction * static_cast<double>(total)) {
      plan->blobs_removed += blobs.size() - needed.size();
      plan->bytes_freed += unused;
      plan->bytes_copied += total - unused;
      plan->rewrite.push_back(PackRewrite{pack, std::move(needed), blobs.size(), total});
    } else {
      plan->keep.push_back(IndexedPack{pack, std::move(blobs)});
    }
  }
}

// Copies the blobs each rewritten pack keeps into new packs (opened and
// checked first); returns those packs.
Result<std::vector<IndexedPack>> CopyKeptBlobs(Repository* repo, const std::vector<PackRewrite>& rewrite) {
  Repacker repacker(repo);
  for (const PackRewrite& r : rewrite) {
    std::string path = PathOf("data", ToHex(r.pack));
    for (const PackEntry& e : r.keep) {
      auto stored = repo->backend().ReadRange(path, e.offset, e.length);
      if (!stored.ok()) return stored.status();
      BlobLocation loc{0, e.type, e.offset, e.length, e.plain_length};
      auto blob = OpenBlob(repo->key(), *stored, e.id, loc, path + " blob " + ToHex(e.id).substr(0, 16));
      if (!blob.ok()) {
        return Status::Corruption("prune stopped before deleting anything: " + blob.status().message() +
                                  "; run `paymentsctl check --read-data`");
      }
      PB_RETURN_IF_ERROR(repacker.Copy(e, *stored));
    }
  }
  PB_RETURN_IF_ERROR(repacker.Close());
  return std::move(repacker.written());
}

}  // namespace

Result<PrunePlan> PlanPrune(Repository* repo, const std::vector<std::string>& forgotten) {
  PrunePlan plan;
  plan.forgotten = forgotten;
  PB_ASSIGN_OR_RETURN(std::vector<SnapshotRef> remaining, repo->ListSnapshots());
  std::erase_if(remaining, [&](const SnapshotRef& s) {
    return std::find(forgotten.begin(), forgotten.end(), s.id) != forgotten.end();
  });
  PB_ASSIGN_OR_RETURN(BlobSet used, MarkUsed(repo, remaining));

  PB_ASSIGN_OR_RETURN(plan.index_files, repo->backend().List("index"));
  std::map<Digest, std::vector<PackEntry>> packs;
  for (const std::string& name : plan.index_files) {
    PB_ASSIGN_OR_RETURN(std::vector<IndexedPack> decoded, repo->LoadIndexFile(name));
    for (IndexedPack& p : decoded) packs.emplace(p.pack, std::move(p.blobs));
  }
  PB_ASSIGN_OR_RETURN(std::vector<std::string> pack_names, repo->backend().List("data"));
  for (const std::string& name : pack_names) {
    Digest d;
    if (!FromHex(name, &d) || !packs.count(d)) plan.orphans.push_back(name);
  }
  ClassifyPacks(std::move(packs), used, &plan);
  PB_ASSIGN_OR_RETURN(plan.wal, WalObjectsToPrune(repo, remaining));
  return plan;
}

Status ExecutePrune(Repository* repo, const PrunePlan& plan) {
  if (!plan.forgotten.empty()) {
    PB_ASSIGN_OR_RETURN(std::vector<std::string> snapshots, repo->backend().List("snapshots"));
    for (const std::string& id : plan.forgotten) {
      if (std::find(snapshots.begin(), snapshots.end(), id) == snapshots.end()) continue;
      return Status::InvalidArgument("prune changed nothing: it was planned without snapshot " + id.substr(0, 8) +
                                     ", which is still in the repository; forget it first");
    }
  }
  // 1. Copy the blobs still needed out of the packs being rewritten,
  // 2. new index files for everything kept, 3. old index files removed
  // (only when a pack leaves the index).
  if (!plan.remove.empty() || !plan.rewrite.empty()) {
    PB_ASSIGN_OR_RETURN(std::vector<IndexedPack> copies, CopyKeptBlobs(repo, plan.rewrite));
    std::vector<IndexedPack> index = plan.keep;
    index.insert(index.end(), copies.begin(), copies.end());
    PB_RETURN_IF_ERROR(ReplaceIndexFiles(repo, index, plan.index_files));
  }
  // 4. Unused packs go last: no index lists them any more.
  for (const IndexedPack& p : plan.remove) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", ToHex(p.pack))));
  for (const PackRewrite& r : plan.rewrite) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", ToHex(r.pack))));
  for (const std::string& name : plan.orphans) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", name)));
  // 5. Shipped journal runs the oldest snapshot already holds, oldest first.
  for (const std::string& name : plan.wal) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf(kWalFolder, name)));
  auto temporaries = repo->backend().RemoveTemporaryFiles();
  return temporaries.ok() ? Status::Ok() : temporaries.status();
}

}  // namespace pb::repo
