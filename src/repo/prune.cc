#include "repo/prune.h"

#include "repo/blob_writer.h"
#include "repo/repacker.h"
#include "repo/wal.h"
#include "repo/wal_check.h"

#include <map>
#include <set>
#include <unordered_set>

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

Status MarkUsed(Repository* repo, BlobSet* used) {
  auto snapshots = repo->ListSnapshots();
  if (!snapshots.ok()) return snapshots.status();
  for (const SnapshotRef& s : *snapshots) {
    PB_RETURN_IF_ERROR(MarkTree(repo, s.snapshot.tree, used));
    if (s.snapshot.env) {
      for (const ContentEntry& e : s.snapshot.env->content) {
        if (!e.hole) used->insert(e.blob);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PruneReport> Prune(Repository* repo, bool dry_run) {
  BlobSet used;
  PB_RETURN_IF_ERROR(MarkUsed(repo, &used));

  auto index_names = repo->backend().List("index");
  if (!index_names.ok()) return index_names.status();
  std::map<Digest, std::vector<PackEntry>> packs;
  for (const std::string& name : *index_names) {
    auto decoded = repo->LoadIndexFile(name);
    if (!decoded.ok()) return decoded.status();
    for (IndexedPack& p : *decoded) packs.emplace(p.pack, std::move(p.blobs));
  }

  PruneReport report;
  BlobSet kept;  // blobs already given a place in the new index
  std::vector<IndexedPack> keep;
  std::vector<Digest> remove;
  std::vector<std::pair<Digest, std::vector<PackEntry>>> rewrite;
  for (auto& [pack, blobs] : packs) {
    uint64_t total = 0, unused = 0;
    std::vector<PackEntry> needed;
    for (const PackEntry& e : blobs) {
      total += e.length;
      if (used.count(e.id) && !kept.count(e.id)) {
        needed.push_back(e);
      } else {
        unused += e.length;
      }
    }
    if (needed.empty()) {
      remove.push_back(pack);
      report.blobs_removed += blobs.size();
      report.bytes_freed += total;
    } else if (static_cast<double>(unused) > kRepackUnusedFraction * static_cast<double>(total)) {
      for (const PackEntry& e : needed) kept.insert(e.id);
      report.blobs_removed += blobs.size() - needed.size();
      report.bytes_freed += unused;
      rewrite.emplace_back(pack, std::move(needed));
    } else {
      for (const PackEntry& e : needed) kept.insert(e.id);
      keep.push_back(IndexedPack{pack, blobs});
    }
  }
  auto pack_names = repo->backend().List("data");
  if (!pack_names.ok()) return pack_names.status();
  std::vector<std::string> orphans;
  for (const std::string& name : *pack_names) {
    Digest d;
    if (!FromHex(name, &d) || !packs.count(d)) orphans.push_back(name);
  }
  report.packs_removed = remove.size() + orphans.size();
  report.packs_rewritten = rewrite.size();
  report.packs_kept = keep.size();
  auto wal = WalObjectsToPrune(repo);
  if (!wal.ok()) return wal.status();
  report.wal_removed = wal->size();
  if (dry_run) return report;

  // 1. Copy the blobs still needed out of the packs being rewritten.
  Repacker repacker(repo);
  for (const auto& [pack, needed] : rewrite) {
    std::string path = PathOf("data", ToHex(pack));
    for (const PackEntry& e : needed) {
      auto stored = repo->backend().ReadRange(path, e.offset, e.length);
      if (!stored.ok()) return stored.status();
      BlobLocation loc{0, e.type, e.offset, e.length, e.plain_length};
      auto blob = OpenBlob(repo->key(), *stored, e.id, loc, path + " blob " + ToHex(e.id).substr(0, 16));
      if (!blob.ok()) {
        return Status::Corruption("prune stopped before deleting anything: " + blob.status().message() +
                                  "; run `paymentsctl check --read-data`");
      }
      PB_RETURN_IF_ERROR(repacker.Copy(e, *stored));
      report.bytes_copied += e.length;
    }
  }
  PB_RETURN_IF_ERROR(repacker.Close());
  // 2. New index files for everything kept, 3. old index files removed.
  for (IndexedPack& p : repacker.written()) keep.push_back(std::move(p));
  PB_RETURN_IF_ERROR(ReplaceIndexFiles(repo, keep, *index_names));
  // 4. Unused packs go last: no index lists them any more.
  for (const Digest& pack : remove) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", ToHex(pack))));
  for (const auto& [pack, needed] : rewrite) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", ToHex(pack))));
  for (const std::string& name : orphans) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("data", name)));
  // 5. Shipped journal runs the oldest snapshot already holds, oldest first.
  for (const std::string& name : *wal) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf(kWalFolder, name)));
  auto temporaries = repo->backend().RemoveTemporaryFiles();
  if (!temporaries.ok()) return temporaries.status();
  return report;
}

}  // namespace pb::repo
