// repo/: reading the key files under keys/ with every check that needs no
// password, and unlocking a repository with a password. Repository::Open,
// `key list` and `check` share these checks, so a damaged, edited or planted
// key file is named (and never costs a key derivation) the same way
// everywhere (docs/repository-format.md, "Key file").
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "repo/backend.h"
#include "repo/crypto.h"

namespace pb::repo {

// The problem of a key file whose SHA-256 is not its name.
inline constexpr std::string_view kKeyFileModified =
    "it was modified after it was written (its SHA-256 is not its name): it was tampered with or damaged";

// One key file as stored, checked without a password.
struct StoredKeyFile {
  std::string text;           // its bytes (at most kMaxKeyFileBytes)
  KeyFileInfo info;           // its public fields, well formed, cost within limits
  bool matches_name = false;  // its SHA-256 is its name: unchanged since it was written
};

// Reads keys/<name>: its size first (a file over kMaxKeyFileBytes is not
// read), then its bytes, then InspectKeyFile. A file whose SHA-256 is not
// its name is returned with matches_name false (renamed, it still opens:
// its seal authenticates it). Errors: Corruption with the reason, without
// the file's name (callers prefix "keys/<name>: "), for a file too large,
// not a regular file, malformed, or asking for a key-derivation cost out of
// limits; other backend errors as they are.
Result<StoredKeyFile> ReadKeyFile(Backend& backend, const std::string& name);

struct UnlockedKey {
  MasterKey key;
  std::string name;  // the key file (under keys/) that opened
};

// The master key, from the first key file that opens with `password`. Every
// key file is read and checked (ReadKeyFile) before any key derivation; the
// ones named by their SHA-256 are tried first, a renamed one after them,
// one that fails a check never. Errors: InvalidArgument "wrong password"
// when none opens and none is damaged; Corruption naming the first damaged
// key file (and what to do) when none opens; Corruption when keys/ is
// empty; backend errors.
Result<UnlockedKey> UnlockKeyFiles(Backend& backend, std::string_view password);

}  // namespace pb::repo
