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

ParentFiles ParentFiles::Load(repo::Repository* repo, const repo::SnapshotRef* newest) {
  ParentFiles parent;
  if (!newest) return parent;
  Status st = parent.LoadTree(repo, newest->snapshot.tree, "");
  if (!st.ok()) {
    spdlog::warn("parent snapshot {} cannot be read ({}); reading every file", newest->id.substr(0, 8), st.ToString());
    return ParentFiles();
  }
  parent.id_ = newest->id;
  parent.ledger_ = newest->snapshot.ledger;
  return parent;
}

Status ParentFiles::LoadTree(repo::Repository* repo, const Digest& id, const std::string& prefix) {
  PB_ASSIGN_OR_RETURN(repo::Tree tree, repo->LoadTree(id));
  for (repo::Node& node : tree.nodes) {
    std::string rel = prefix.empty() ? node.name : prefix + "/" + node.name;
    if (node.type == repo::NodeType::kDir) {
      PB_RETURN_IF_ERROR(LoadTree(repo, node.tree, rel));
    } else if (node.type == repo::NodeType::kFile && AllIndexed(*repo, node)) {
      files_[rel] = std::move(node);
    }
  }
  return Status::Ok();
}

const repo::Node* ParentFiles::Find(const std::string& rel) const {
  auto it = files_.find(rel);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace pb::backup
