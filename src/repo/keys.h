// repo/: the key files under keys/ (docs/repository-format.md,
// "Cryptography" and "Keys"). Each seals the same master key with one
// password, so passwords are added, removed and changed without touching
// any encrypted file. Every change keeps at least one key file that opens:
// a new key file is durable and opens with its password before any old one
// is removed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "repo/crypto.h"
#include "repo/repository.h"

namespace pb::repo {

struct KeyEntry {
  std::string name;  // under keys/
  KeyFileInfo info;  // when problem is empty
  bool in_use = false;  // the key file the password of this process opened
  // Why the file is damaged (kKeyFileModified, or ReadKeyFile's error:
  // malformed, too large, cost out of limits), or empty.
  std::string problem;
};

// Every key file, sorted by name. Errors: backend errors.
Result<std::vector<KeyEntry>> ListKeys(Repository* repo);

// Writes a new key file sealing the repository's master key under
// `password`, durably, then reads it back and opens it with `password`.
// Returns its name. Errors: InvalidArgument for an empty password;
// Corruption when the written file does not read back (nothing else is
// touched); backend errors.
Result<std::string> AddKey(Repository* repo, std::string_view password, const KdfParams& kdf);

// The name of the one key file whose name begins with `prefix` (at least 4
// characters). NotFound / InvalidArgument (ambiguous, too short) otherwise.
Result<std::string> FindKey(Repository* repo, std::string_view prefix);

// Removes the key file `name`. Refuses (InvalidArgument, nothing removed)
// to remove the last key file, and the key file in use unless another key
// file opens with `password` (the password this process opened it with):
// the repository could otherwise no longer be opened with it.
Status RemoveKey(Repository* repo, const std::string& name, std::string_view password);

struct PasswordChange {
  std::string added;                 // the new key file
  std::vector<std::string> removed;  // the key files the old password opened
};

// Changes the password: AddKey(new_password) (unless a key file already
// opens with it: the change was interrupted, and running it again finishes
// it), then removes every other key file that opens with `old_password`
// (the one in use among them). Killed
// at any point, the repository opens with the old password (before the new
// key file is complete), with both, or with the new one. Stop points (see
// common/stop_point.h): "key passwd:new key written", "key passwd:old key
// removed". Errors: InvalidArgument when the new password is the old one
// or empty; AddKey's and the backend's errors (then the old key files that
// are left still open).
Result<PasswordChange> ChangePassword(Repository* repo, std::string_view old_password, std::string_view new_password,
                                      const KdfParams& kdf);

}  // namespace pb::repo
