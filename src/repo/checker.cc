#include "repo/checker.h"

#include <map>
#include <set>
#include <unordered_set>

#include "repo/key_file.h"
#include "repo/wal_check.h"

namespace pb::repo {
namespace {

class Checker {
 public:
  Checker(Repository* repo, bool read_data, const std::function<void(uint64_t)>& on_pack,
          const WalRecordsCheck& check_wal_records)
      : repo_(repo), read_data_(read_data), on_pack_(on_pack), check_wal_records_(check_wal_records) {}

  Result<CheckReport> Run() {
    PB_RETURN_IF_ERROR(CheckKeys());
    PB_RETURN_IF_ERROR(LoadIndexes());
    PB_RETURN_IF_ERROR(CheckPacks());
    PB_RETURN_IF_ERROR(CheckSnapshots());
    auto wal = CheckWal(repo_, read_data_, check_wal_records_);
    if (!wal.ok()) return wal.status();
    report_.wal_objects = wal->objects;
    report_.wal_opened = wal->opened;
    for (std::string& p : wal->problems) Problem(std::move(p));
    for (std::string& n : wal->notes) report_.notes.push_back(std::move(n));
    return report_;
  }

 private:
  void Problem(std::string text) { report_.problems.push_back(std::move(text)); }

  Status CheckKeys() {
    auto names = repo_->backend().List("keys");
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      auto stored = ReadKeyFile(repo_->backend(), name);
      if (!stored.ok()) {
        Problem("keys/" + name + ": " + stored.status().message());
      } else if (!stored->matches_name) {
        Problem("keys/" + name + ": " + std::string(kKeyFileModified));
      }
    }
    return Status::Ok();
  }

  Status LoadIndexes() {
    auto names = repo_->backend().List("index");
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      auto packs = repo_->LoadIndexFile(name);
      if (!packs.ok()) {
        Problem(packs.status().message());
        continue;
      }
      for (IndexedPack& p : *packs) {
        index_.Add(p);
        indexed_.emplace(p.pack, std::move(p.blobs));
      }
    }
    return Status::Ok();
  }

  Status CheckPacks() {
    auto names = repo_->backend().List("data");
    if (!names.ok()) return names.status();
    std::set<std::string> present(names->begin(), names->end());
    for (const auto& [pack, blobs] : indexed_) {
      std::string name = ToHex(pack);
      if (!present.count(name)) {
        Problem(PathOf("data", name) + ": missing, but the index lists " + std::to_string(blobs.size()) + " blob(s) in it");
        continue;
      }
      uint64_t expected = 4 + kSealOverhead + blobs.size() * kPackEntryBytes;
      for (const PackEntry& e : blobs) expected += e.length;
      auto size = repo_->backend().Size(PathOf("data", name));
      if (!size.ok()) {
        Problem(size.status().message());
      } else if (*size != expected) {
        Problem(PathOf("data", name) + ": " + std::to_string(*size) + " bytes, the index says " +
                std::to_string(expected) + " (truncated or damaged)");
      }
    }
    for (const std::string& name : present) {
      Digest d{};
      if (!FromHex(name, &d) || !indexed_.count(d)) {
        report_.notes.push_back(PathOf("data", name) +
                                ": not in any index (left by an interrupted backup; `forget --prune` removes it)");
      }
      ++report_.packs;
      if (read_data_) ReadPack(name, d);
    }
    return Status::Ok();
  }

  void ReadPack(const std::string& name, const Digest& digest) {
    std::string path = PathOf("data", name);
    auto bytes = repo_->backend().Read(path);
    if (!bytes.ok()) {
      Problem(path + ": " + bytes.status().message());
      return;
    }
    report_.bytes_read += bytes->size();
    if (on_pack_) on_pack_(bytes->size());
    if (Sha256Hex(*bytes) != name) {
      Problem(path + ": its SHA-256 does not match its name (the pack is damaged)");
      return;
    }
    auto entries = ReadPackHeader(repo_->key(), *bytes, path);
    if (!entries.ok()) {
      Problem(entries.status().message());
      return;
    }
    auto listed = indexed_.find(digest);
    if (listed != indexed_.end() && listed->second.size() != entries->size()) {
      Problem(path + ": its header lists " + std::to_string(entries->size()) + " blobs, the index " +
              std::to_string(listed->second.size()));
    }
    for (const PackEntry& e : *entries) {
      ++report_.blobs;
      BlobLocation loc{0, e.type, e.offset, e.length, e.plain_length};
      auto blob = OpenBlob(repo_->key(), std::string_view(*bytes).substr(e.offset, e.length), e.id, loc,
                           path + " blob " + ToHex(e.id).substr(0, 16));
      if (!blob.ok()) Problem(blob.status().message());
    }
  }

  Status CheckSnapshots() {
    auto names = repo_->backend().List("snapshots");
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      ++report_.snapshots;
      auto json = repo_->LoadFile("snapshots", name);
      if (!json.ok()) {
        Problem(json.status().message());
        continue;
      }
      auto snap = DecodeSnapshot(*json, "snapshots/" + name);
      if (!snap.ok()) {
        Problem(snap.status().message());
        continue;
      }
      std::string what = "snapshot " + name.substr(0, 8);
      CheckTree(snap->tree, what, "");
      if (snap->env) CheckContent(*snap->env, what + " .env");
    }
    return Status::Ok();
  }

  void CheckContent(const Node& node, const std::string& what) {
    for (const ContentEntry& e : node.content) {
      if (e.hole) continue;
      const BlobLocation* loc = index_.Find(e.blob);
      if (!loc) {
        Problem(what + ": blob " + ToHex(e.blob).substr(0, 16) + " is not in the index (lost data)");
        return;
      }
      if (loc->plain_length != e.length) {
        Problem(what + ": blob " + ToHex(e.blob).substr(0, 16) + " holds " + std::to_string(loc->plain_length) +
                " bytes but the tree gives it " + std::to_string(e.length) + " (a damaged or crafted snapshot)");
        return;
      }
    }
  }

  void CheckTree(const Digest& id, const std::string& snapshot, const std::string& path) {
    if (checked_trees_.count(id)) return;
    checked_trees_.insert(id);
    ++report_.trees;
    std::string where = snapshot + " " + (path.empty() ? "/" : path);
    const BlobLocation* loc = index_.Find(id);
    if (!loc) {
      Problem(where + ": tree " + ToHex(id).substr(0, 16) + " is not in the index (lost data)");
      return;
    }
    std::string pack_path = PathOf("data", ToHex(index_.PackName(loc->pack)));
    auto stored = repo_->backend().ReadRange(pack_path, loc->offset, loc->length);
    if (!stored.ok()) {
      Problem(where + ": " + stored.status().message());
      return;
    }
    auto json = OpenBlob(repo_->key(), *stored, id, *loc, pack_path + " tree " + ToHex(id).substr(0, 16));
    if (!json.ok()) {
      Problem(where + ": " + json.status().message());
      return;
    }
    auto tree = DecodeTree(*json, where);
    if (!tree.ok()) {
      Problem(tree.status().message());
      return;
    }
    for (const Node& node : tree->nodes) {
      std::string child = path + "/" + node.name;
      if (node.type == NodeType::kDir) CheckTree(node.tree, snapshot, child);
      if (node.type == NodeType::kFile) CheckContent(node, snapshot + " " + child);
    }
  }

  Repository* repo_;
  bool read_data_;
  const std::function<void(uint64_t)>& on_pack_;
  const WalRecordsCheck& check_wal_records_;
  CheckReport report_;
  Index index_;
  std::map<Digest, std::vector<PackEntry>> indexed_;
  std::set<Digest> checked_trees_;
};

}  // namespace

Result<CheckReport> CheckRepository(Repository* repo, bool read_data, const std::function<void(uint64_t)>& on_pack,
                                    const WalRecordsCheck& check_wal_records) {
  Checker checker(repo, read_data, on_pack, check_wal_records);
  return checker.Run();
}

}  // namespace pb::repo
