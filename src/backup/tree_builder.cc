#include "backup/tree_builder.h"

#include <algorithm>
#include <vector>

#include "backup/entry_meta.h"

namespace pb::backup {
namespace {

using repo::Node;

class TreeBuilder {
 public:
  TreeBuilder(const DataDirListing& listing, const std::map<std::string, FileState>& files,
              const repo::MasterKey& key, repo::BlobWriter* writer)
      : listing_(listing), files_(files), key_(key), writer_(writer) {
    for (const auto& [rel, st] : listing.dirs) {
      if (!rel.empty()) children_[ParentOf(rel)].push_back(rel);
    }
    for (const auto& [rel, fs] : files) children_[ParentOf(rel)].push_back(rel);
    for (const auto& [rel, node] : listing.symlinks) children_[ParentOf(rel)].push_back(rel);
  }

  // Stores the tree of the directory `dir_rel` and those below it.
  Result<Digest> Build(const std::string& dir_rel);

 private:
  Result<Node> Entry(const std::string& rel);

  const DataDirListing& listing_;
  const std::map<std::string, FileState>& files_;
  const repo::MasterKey& key_;
  repo::BlobWriter* writer_;
  std::map<std::string, std::vector<std::string>> children_;  // by parent directory
};

Result<Node> TreeBuilder::Entry(const std::string& rel) {
  if (auto d = listing_.dirs.find(rel); d != listing_.dirs.end()) {
    Node node;
    node.name = BaseName(rel);
    node.type = repo::NodeType::kDir;
    SetEntryMeta(d->second, &node);
    PB_ASSIGN_OR_RETURN(node.tree, Build(rel));
    return node;
  }
  if (auto f = files_.find(rel); f != files_.end()) {
    Node node = f->second.node;
    node.content.assign(f->second.content.begin(), f->second.content.end());
    return node;
  }
  return listing_.symlinks.at(rel);
}

Result<Digest> TreeBuilder::Build(const std::string& dir_rel) {
  repo::Tree tree;
  if (auto it = children_.find(dir_rel); it != children_.end()) {
    for (const std::string& rel : it->second) {
      PB_ASSIGN_OR_RETURN(Node node, Entry(rel));
      tree.nodes.push_back(std::move(node));
    }
  }
  std::sort(tree.nodes.begin(), tree.nodes.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
  std::string json = repo::EncodeTree(tree);
  Digest id = repo::BlobId(key_, json);
  PB_RETURN_IF_ERROR(writer_->Store(id, repo::BlobType::kTree, json).status());
  return id;
}

}  // namespace

Result<Digest> BuildTrees(const DataDirListing& listing, const std::map<std::string, FileState>& files,
                          const repo::MasterKey& key, repo::BlobWriter* writer) {
  return TreeBuilder(listing, files, key, writer).Build("");
}

}  // namespace pb::backup
