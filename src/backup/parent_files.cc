#include "backup/parent_files.h"

#include <algorithm>

#include "common/log.h"

namespace pb::backup {
namespace {

// True when every blob of `file` is in the index.
bool AllIndexed(const repo::Repository& repo, const repo::Node& file) {
  return std::all_of(file.content.begin(), file.content.end(), [&repo](const repo::ContentEntry& e) {
    return e.hole || repo.index().Find(e.blob) != nullptr;
  });
}

}  // namespace

ParentFiles ParentFiles::Load(repo::Repository* repo, const std::vector<repo::SnapshotRef>& all,
                              const repo::SnapshotRef* newest) {
  ParentFiles parent;
  if (!newest) return parent;
  Status st = LoadTree(repo, newest->snapshot.tree, "", &parent.files_);
  if (!st.ok()) {
    spdlog::warn("parent snapshot {} cannot be read ({}); reading every file", newest->id.substr(0, 8), st.ToString());
    return ParentFiles();
  }
  parent.id_ = newest->id;
  parent.ledger_ = newest->snapshot.ledger;
  parent.LoadOtherModes(repo, all, *newest);
  return parent;
}

void ParentFiles::LoadOtherModes(repo::Repository* repo, const std::vector<repo::SnapshotRef>& all,
                                 const repo::SnapshotRef& newest) {
  const repo::SnapshotGroup group = repo::GroupOf(newest.snapshot);
  std::vector<repo::SnapshotRef> others;
  for (const repo::SnapshotRef& s : all) {
    if (s.snapshot.mode != newest.snapshot.mode && repo::GroupOf(s.snapshot) == group) others.push_back(s);
  }
  while (const repo::SnapshotRef* next = repo::NewestOfGroup(others, group)) {
    std::unordered_map<std::string, repo::Node> found;
    Status st = LoadTree(repo, next->snapshot.tree, "", &found);
    if (!st.ok()) {
      spdlog::warn("snapshot {} cannot be read ({}); its files are not reused", next->id.substr(0, 8), st.ToString());
      found.clear();
    }
    for (auto& [rel, node] : found) {
      if (!files_.count(rel)) older_.emplace(rel, std::move(node));
    }
    const std::string mode = next->snapshot.mode;
    std::erase_if(others, [&mode](const repo::SnapshotRef& s) { return s.snapshot.mode == mode; });
  }
}

Status ParentFiles::LoadTree(repo::Repository* repo, const Digest& id, const std::string& prefix,
                             std::unordered_map<std::string, repo::Node>* into) {
  PB_ASSIGN_OR_RETURN(repo::Tree tree, repo->LoadTree(id));
  for (repo::Node& node : tree.nodes) {
    std::string rel = prefix.empty() ? node.name : prefix + "/" + node.name;
    if (node.type == repo::NodeType::kDir) {
      PB_RETURN_IF_ERROR(LoadTree(repo, node.tree, rel, into));
    } else if (node.type == repo::NodeType::kFile && AllIndexed(*repo, node)) {
      into->emplace(std::move(rel), std::move(node));
    }
  }
  return Status::Ok();
}

const repo::Node* ParentFiles::Find(const std::string& rel) const {
  auto it = files_.find(rel);
  if (it != files_.end()) return &it->second;
  it = older_.find(rel);
  return it == older_.end() ? nullptr : &it->second;
}

}  // namespace pb::backup
