#include "repo/backend.h"

#include <algorithm>

namespace pb::repo {
namespace {

bool IsNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The path as printed in messages: control characters escaped so that a
// crafted name cannot forge log lines.
std::string Printable(std::string_view path) {
  std::string out;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

Status Invalid(std::string_view path, std::string_view why) {
  return Status::InvalidArgument("invalid repository path \"" + Printable(path) + "\": " + std::string(why));
}

}  // namespace

Status ValidateName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty file name");
  if (name.size() > kMaxNameLength) return Status::InvalidArgument("file name longer than 128 characters");
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Status::InvalidArgument("file name \"" + Printable(name) + "\" has a character outside [0-9A-Za-z_-]");
  }
  return Status::Ok();
}

Status ValidatePath(std::string_view path) {
  if (path == "config") return Status::Ok();
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return Invalid(path, "not config and not inside a folder of the layout");
  std::string_view folder = path.substr(0, slash);
  std::string_view rest = path.substr(slash + 1);
  if (std::find(std::begin(kFolders), std::end(kFolders), folder) == std::end(kFolders)) {
    return Invalid(path, "the first segment must be keys, index, snapshots, locks, data or wal");
  }
  std::string_view name = rest;
  if (folder == "data") {
    size_t sub = rest.find('/');
    if (sub != 2 || !IsLowerHex(rest[0]) || !IsLowerHex(rest[1])) {
      return Invalid(path, "packs are data/<xx>/<name> with xx two lowercase hex digits");
    }
    name = rest.substr(3);
    if (name.substr(0, 2) != rest.substr(0, 2)) {
      return Invalid(path, "a pack's name must begin with the two digits of its data/<xx> folder");
    }
  }
  Status st = ValidateName(name);
  if (!st.ok()) return Invalid(path, st.message());
  return Status::Ok();
}

bool IsOptionalFolder(std::string_view folder) {
  return std::find(std::begin(kOptionalFolders), std::end(kOptionalFolders), folder) != std::end(kOptionalFolders);
}

std::string PathOf(std::string_view folder, std::string_view name) {
  std::string out(folder);
  out += '/';
  if (folder == "data") {
    out += name.substr(0, 2);
    out += '/';
  }
  out += name;
  return out;
}

Status Backend::ReadRangeInto(std::string_view path, uint64_t offset, size_t length, char* out) {
  auto bytes = ReadRange(path, offset, length);
  if (!bytes.ok()) return bytes.status();
  std::copy(bytes->begin(), bytes->end(), out);
  return Status::Ok();
}

}  // namespace pb::repo
