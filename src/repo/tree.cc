#include "repo/tree.h"

#include "repo/json_fields.h"
#include "repo/tree_json.h"

namespace pb::repo {
namespace {

const char* TypeName(NodeType t) {
  switch (t) {
    case NodeType::kFile: return "file";
    case NodeType::kDir: return "dir";
    case NodeType::kSymlink: return "symlink";
  }
  return "file";
}

Status DecodeContent(const JsonFields& f, simdjson::dom::array entries, Node* node) {
  uint64_t total = 0;
  for (simdjson::dom::element ee : entries) {
    simdjson::dom::object eo;
    if (ee.get_object().get(eo) != simdjson::SUCCESS) return f.Bad("a content entry is not an object");
    JsonFields ef(eo, f.what() + " content " + std::to_string(node->content.size()));
    ContentEntry c;
    if (ef.Has("hole")) {
      c.hole = true;
      PB_RETURN_IF_ERROR(ef.UInt("hole", &c.length));
    } else {
      PB_RETURN_IF_ERROR(ef.Hex("blob", &c.blob));
      PB_RETURN_IF_ERROR(ef.UInt("length", &c.length));
    }
    if (c.length == 0 || c.length > (uint64_t{1} << 62) || total + c.length < total) {
      return ef.Bad("length out of range");
    }
    total += c.length;
    node->content.push_back(c);
  }
  if (total != node->size) {
    return f.Bad("content adds up to " + std::to_string(total) + " bytes but size is " + std::to_string(node->size));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateNodeName(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255 ||
      name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return Status::Corruption("invalid file name in tree: \"" + std::string(name) +
                              "\" (a crafted or damaged snapshot; nothing is written for it)");
  }
  return Status::Ok();
}

void AppendEntryMetaJson(JsonObject* o, uint32_t mode, int64_t mtime_ns, const std::optional<Owner>& owner) {
  o->UInt("mode", mode).Int("mtime_ns", mtime_ns);
  if (owner) o->UInt("uid", owner->uid).UInt("gid", owner->gid);
}

Status DecodeEntryMeta(const JsonFields& f, uint32_t* mode, int64_t* mtime_ns, std::optional<Owner>* owner) {
  uint64_t bits = 0;
  PB_RETURN_IF_ERROR(f.UInt("mode", &bits));
  if (bits > 07777) return f.Bad("mode out of range");
  *mode = static_cast<uint32_t>(bits);
  PB_RETURN_IF_ERROR(f.Int("mtime_ns", mtime_ns));
  if (!f.Has("uid") && !f.Has("gid")) return Status::Ok();
  uint64_t uid = 0, gid = 0;
  PB_RETURN_IF_ERROR(f.UInt("uid", &uid));
  PB_RETURN_IF_ERROR(f.UInt("gid", &gid));
  if (uid >= UINT32_MAX || gid >= UINT32_MAX) return f.Bad("uid or gid out of range");
  *owner = Owner{static_cast<uint32_t>(uid), static_cast<uint32_t>(gid)};
  return Status::Ok();
}

void AppendNodeJson(std::string* out, const Node& n) {
  JsonObject o(out);
  o.Str("name", n.name).Str("type", TypeName(n.type));
  AppendEntryMetaJson(&o, n.mode, n.mtime_ns, n.owner);
  if (n.type == NodeType::kFile) {
    o.UInt("size", n.size).UInt("inode", n.inode).Int("ctime_ns", n.ctime_ns);
    std::string* c = o.Key("content");
    c->push_back('[');
    for (size_t i = 0; i < n.content.size(); ++i) {
      if (i) c->push_back(',');
      const ContentEntry& e = n.content[i];
      if (e.hole) {
        JsonObject(c).UInt("hole", e.length).Close();
      } else {
        JsonObject(c).Str("blob", ToHex(e.blob)).UInt("length", e.length).Close();
      }
    }
    c->push_back(']');
  } else if (n.type == NodeType::kDir) {
    o.Str("tree", ToHex(n.tree));
  } else {
    o.Str("target", n.target);
  }
  o.Close();
}

Result<Node> DecodeNode(simdjson::dom::object obj, const std::string& what) {
  JsonFields f(obj, what);
  Node n;
  std::string type;
  PB_RETURN_IF_ERROR(f.Str("name", &n.name));
  Status name_ok = ValidateNodeName(n.name);
  if (!name_ok.ok()) return f.Bad(name_ok.message());
  PB_RETURN_IF_ERROR(f.Str("type", &type));
  PB_RETURN_IF_ERROR(DecodeEntryMeta(f, &n.mode, &n.mtime_ns, &n.owner));
  if (type == "file") {
    n.type = NodeType::kFile;
    PB_RETURN_IF_ERROR(f.UInt("size", &n.size));
    PB_RETURN_IF_ERROR(f.OptUInt("inode", &n.inode));
    if (f.Has("ctime_ns")) PB_RETURN_IF_ERROR(f.Int("ctime_ns", &n.ctime_ns));
    simdjson::dom::array content;
    PB_RETURN_IF_ERROR(f.Array("content", &content));
    PB_RETURN_IF_ERROR(DecodeContent(f, content, &n));
  } else if (type == "dir") {
    n.type = NodeType::kDir;
    PB_RETURN_IF_ERROR(f.Hex("tree", &n.tree));
  } else if (type == "symlink") {
    n.type = NodeType::kSymlink;
    PB_RETURN_IF_ERROR(f.Str("target", &n.target));
    if (n.target.empty() || n.target.find('\0') != std::string::npos) return f.Bad("invalid symlink target");
  } else {
    return f.Bad("unknown type " + type);
  }
  return n;
}

std::string EncodeTree(const Tree& tree) {
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    if (i) out.push_back(',');
    AppendNodeJson(&out, tree.nodes[i]);
  }
  out += "]}";
  return out;
}

Result<Tree> DecodeTree(std::string_view json, std::string_view what) {
  simdjson::dom::parser parser;
  auto root = ParseObject(parser, json, what);
  if (!root.ok()) return root.status();
  JsonFields top(*root, std::string(what));
  simdjson::dom::array nodes;
  PB_RETURN_IF_ERROR(top.Array("nodes", &nodes));
  Tree tree;
  for (simdjson::dom::element ne : nodes) {
    simdjson::dom::object no;
    if (ne.get_object().get(no) != simdjson::SUCCESS) return top.Bad("a node is not an object");
    auto node = DecodeNode(no, std::string(what) + " node " + std::to_string(tree.nodes.size()));
    if (!node.ok()) return node.status();
    if (!tree.nodes.empty() && !(tree.nodes.back().name < node->name)) {
      return top.Bad("names not strictly sorted at \"" + node->name + "\" (duplicate or reordered entries)");
    }
    tree.nodes.push_back(std::move(node).value());
  }
  return tree;
}

}  // namespace pb::repo
