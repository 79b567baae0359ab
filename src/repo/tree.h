// repo/: trees — one directory's entries (docs/repository-format.md, "Trees").
// A tree is stored as a tree blob; decoding validates everything a restore
// relies on (names that cannot leave their directory, sizes that add up).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_text.h"
#include "common/sha256.h"
#include "common/status.h"

namespace pb::repo {

class JsonFields;  // repo/json_fields.h

enum class NodeType { kFile, kDir, kSymlink };

// Who owns an entry: numeric ids, as lstat gives them.
struct Owner {
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const Owner&) const = default;
};

// One piece of a file: `length` bytes of blob `blob`, or `length` zero bytes.
struct ContentEntry {
  bool hole = false;
  Digest blob{};
  uint64_t length = 0;
};

struct Node {
  std::string name;
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;  // permission bits only
  int64_t mtime_ns = 0;
  std::optional<Owner> owner;  // absent in snapshots written before owners were recorded
  // kFile
  uint64_t size = 0;
  std::vector<ContentEntry> content;
  uint64_t inode = 0;
  int64_t ctime_ns = 0;
  // kDir
  Digest tree{};
  // kSymlink
  std::string target;
};

struct Tree {
  std::vector<Node> nodes;  // sorted by name, names unique
};

// Ok if `name` is a file name a restore can create inside its directory:
// not empty, not "." or "..", no '/' and no NUL, at most 255 bytes.
Status ValidateNodeName(std::string_view name);

// The metadata keys of every entry, shared by tree nodes and the snapshot's
// root entry: "mode", "mtime_ns", and "uid" and "gid" (both or neither:
// absent in snapshots written before owners were recorded). Decoding gives
// Corruption from `f` for a missing field, a mode above 07777, only one of
// uid and gid, or an id out of range (2^32 - 1 is not an id).
void AppendEntryMetaJson(JsonObject* o, uint32_t mode, int64_t mtime_ns, const std::optional<Owner>& owner);
Status DecodeEntryMeta(const JsonFields& f, uint32_t* mode, int64_t* mtime_ns, std::optional<Owner>* owner);

// Appends the JSON object of one node (repo/tree_json.h decodes one).
void AppendNodeJson(std::string* out, const Node& node);

// The JSON of a tree. REQUIRES: nodes sorted by name, names unique.
std::string EncodeTree(const Tree& tree);
// Parses a tree blob. Corruption naming `what` when it is malformed, a name
// is invalid, names are not strictly increasing (duplicates), or a file's
// content lengths do not add up to its size.
Result<Tree> DecodeTree(std::string_view json, std::string_view what);

}  // namespace pb::repo
