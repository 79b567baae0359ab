#include "repo/repair.h"

#include <map>
#include <set>

#include "repo/blob_writer.h"
#include "repo/repacker.h"

namespace pb::repo {
namespace {

// Paths reported per snapshot at most; the rest is counted.
constexpr size_t kMaxLostPaths = 20;

bool SameEntries(const std::vector<PackEntry>& a, const std::vector<PackEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].type != b[i].type || a[i].offset != b[i].offset || a[i].length != b[i].length ||
        a[i].plain_length != b[i].plain_length) {
      return false;
    }
  }
  return true;
}

class Repairer {
 public:
  Repairer(Repository* repo, bool dry_run, const std::function<void(uint64_t)>& on_pack)
      : repo_(repo), dry_run_(dry_run), on_pack_(on_pack), repacker_(repo) {
    report_.dry_run = dry_run;
  }

  Result<RepairReport> Run() {
    PB_RETURN_IF_ERROR(ReadIndexFiles());
    auto names = repo_->backend().List("data");
    if (!names.ok()) return names.status();
    std::set<Digest> present;
    for (const std::string& name : *names) {
      Digest digest{};
      bool named = FromHex(name, &digest);
      PB_RETURN_IF_ERROR(ReadPack(name, named ? &digest : nullptr));
      if (named) present.insert(digest);
    }
    for (const auto& [pack, blobs] : listed_) {
      if (present.count(pack)) continue;
      report_.missing_packs.push_back(PathOf("data", ToHex(pack)) + ": listed with " +
                                      std::to_string(blobs.size()) + " blob(s)");
      changed_ = true;
    }
    PB_RETURN_IF_ERROR(Rebuild());
    FindLosses();
    return report_;
  }

 private:
  // Reads what the index files say, skipping (and reporting) those that
  // cannot be read: it is only needed to find missing packs and the blobs
  // of packs whose header is damaged.
  Status ReadIndexFiles() {
    auto names = repo_->backend().List("index");
    if (!names.ok()) return names.status();
    index_names_ = *names;
    for (const std::string& name : *names) {
      auto packs = repo_->LoadIndexFile(name);
      if (!packs.ok()) {
        if (packs.status().kind() != Status::Kind::kCorruption) return packs.status();
        report_.unreadable_index.push_back(packs.status().message());
        changed_ = true;
        continue;
      }
      for (IndexedPack& p : *packs) listed_.emplace(p.pack, std::move(p.blobs));
    }
    return Status::Ok();
  }

  // Reads one pack whole and sorts it: sound (indexed as it is) or damaged
  // (its sound blobs salvaged, the pack removed). `digest` is null when the
  // name is not a SHA-256 (then it cannot be sound).
  Status ReadPack(const std::string& name, const Digest* digest) {
    const std::string path = PathOf("data", name);
    auto bytes = repo_->backend().Read(path);
    if (!bytes.ok() && bytes.status().kind() != Status::Kind::kCorruption) return bytes.status();
    ++report_.packs;
    std::vector<std::string> why;
    std::string_view data;
    if (bytes.ok()) {
      data = *bytes;
      report_.pack_bytes += data.size();
      if (on_pack_) on_pack_(data.size());
      if (Sha256Hex(data) != name) why.push_back("its SHA-256 does not match its name");
    } else {
      why.push_back(bytes.status().message());
    }
    // The blobs: from the pack's own header, else from what an index says.
    std::vector<PackEntry> entries;
    auto header = bytes.ok() ? ReadPackHeader(repo_->key(), data, path)
                             : Result<std::vector<PackEntry>>(Status::Corruption("not read"));
    auto listed = digest ? listed_.find(*digest) : listed_.end();
    if (header.ok()) {
      entries = *header;
      if (listed == listed_.end() || !SameEntries(listed->second, entries)) changed_ = true;
    } else {
      if (bytes.ok()) why.push_back(header.status().message());
      if (listed != listed_.end()) entries = listed->second;
    }
    std::vector<const PackEntry*> sound;
    for (const PackEntry& e : entries) {
      if (e.offset > data.size() || e.length > data.size() - e.offset) continue;
      BlobLocation loc{0, e.type, e.offset, e.length, e.plain_length};
      auto blob = OpenBlob(repo_->key(), data.substr(e.offset, e.length), e.id, loc, path);
      if (blob.ok()) sound.push_back(&e);
    }
    if (why.empty() && digest && sound.size() == entries.size()) {
      ++report_.packs_sound;
      usable_.push_back(IndexedPack{*digest, std::move(entries)});
      return Status::Ok();
    }
    if (why.empty()) why.push_back(std::to_string(entries.size() - sound.size()) + " blob(s) do not read back sound");
    changed_ = true;
    damaged_.push_back(path);
    report_.blobs_salvaged += sound.size();
    report_.blobs_dropped += entries.size() - sound.size();
    std::string line = path + ": ";
    for (size_t i = 0; i < why.size(); ++i) line += (i ? "; " : "") + why[i];
    report_.damaged_packs.push_back(line + "; " + std::to_string(sound.size()) + " of " +
                                    std::to_string(entries.size()) + " blob(s) copied to a new pack");
    if (dry_run_) {
      // Nothing is written: the sound blobs stay readable where they are,
      // which is what the snapshot walk needs to tell what would be lost.
      IndexedPack where{digest ? *digest : Digest{}, {}};
      for (const PackEntry* e : sound) where.blobs.push_back(*e);
      if (digest && !where.blobs.empty()) usable_.push_back(std::move(where));
      return Status::Ok();
    }
    for (const PackEntry* e : sound) PB_RETURN_IF_ERROR(repacker_.Copy(*e, data.substr(e->offset, e->length)));
    return Status::Ok();
  }

  // Writes the new packs and index (unless dry run or nothing changed),
  // removes the damaged packs, and makes the repository's index the new one.
  Status Rebuild() {
    if (!dry_run_) {
      PB_RETURN_IF_ERROR(repacker_.Close());
      for (IndexedPack& p : repacker_.written()) usable_.push_back(std::move(p));
    }
    Index rebuilt;
    for (const IndexedPack& p : usable_) rebuilt.Add(p);
    report_.blobs_indexed = rebuilt.blob_count();
    report_.index_rewritten = changed_;
    if (changed_) {
      report_.index_files_removed = index_names_.size();
      report_.index_files_written = (usable_.size() + kPacksPerIndexFile - 1) / kPacksPerIndexFile;
    }
    if (changed_ && !dry_run_) {
      PB_RETURN_IF_ERROR(ReplaceIndexFiles(repo_, usable_, index_names_));
      for (const std::string& path : damaged_) {
        Status st = repo_->backend().Remove(path);
        if (!st.ok() && st.kind() != Status::Kind::kNotFound) return st;
      }
    }
    repo_->mutable_index() = std::move(rebuilt);
    return Status::Ok();
  }

  // The paths below tree `id` (relative, "name" or "dir/name", a lost
  // directory as "dir/") that need a blob the rebuilt index lacks.
  const std::vector<std::string>& LostBelow(const Digest& id) {
    auto known = lost_below_.find(id);
    if (known != lost_below_.end()) return known->second;
    std::vector<std::string> lost;
    auto tree = repo_->LoadTree(id);
    if (!tree.ok()) {
      lost.push_back("");  // the directory itself
    } else {
      for (const Node& node : tree->nodes) {
        if (node.type == NodeType::kDir) {
          for (const std::string& below : LostBelow(node.tree)) lost.push_back(node.name + "/" + below);
        } else if (node.type == NodeType::kFile && !Whole(node)) {
          lost.push_back(node.name);
        }
      }
    }
    return lost_below_[id] = std::move(lost);
  }

  bool Whole(const Node& file) const {
    for (const ContentEntry& e : file.content) {
      if (!e.hole && !repo_->index().Find(e.blob)) return false;
    }
    return true;
  }

  void FindLosses() {
    auto all = repo_->ListSnapshots(&report_.unreadable_snapshots);
    if (!all.ok()) {
      report_.unreadable_snapshots.push_back(all.status().message());
      return;
    }
    for (const SnapshotRef& s : *all) {
      SnapshotLoss loss{s, {}};
      for (const std::string& rel : LostBelow(s.snapshot.tree)) loss.paths.push_back("/" + rel);
      if (s.snapshot.env && !Whole(*s.snapshot.env)) loss.paths.push_back(".env (kept apart from the tree)");
      if (loss.paths.empty()) continue;
      if (loss.paths.size() > kMaxLostPaths) {
        size_t more = loss.paths.size() - kMaxLostPaths;
        loss.paths.resize(kMaxLostPaths);
        loss.paths.push_back("... and " + std::to_string(more) + " more");
      }
      report_.losses.push_back(std::move(loss));
    }
  }

  Repository* repo_;
  bool dry_run_;
  const std::function<void(uint64_t)>& on_pack_;
  RepairReport report_;
  Repacker repacker_;
  std::vector<std::string> index_names_;
  std::map<Digest, std::vector<PackEntry>> listed_;  // what the readable index files say
  std::vector<IndexedPack> usable_;                  // the rebuilt index
  std::vector<std::string> damaged_;                 // paths of packs to remove
  bool changed_ = false;                             // the index differs from the packs
  std::map<Digest, std::vector<std::string>> lost_below_;
};

}  // namespace

Result<RepairReport> Repair(Repository* repo, bool dry_run, const std::function<void(uint64_t)>& on_pack) {
  Repairer repairer(repo, dry_run, on_pack);
  return repairer.Run();
}

}  // namespace pb::repo
