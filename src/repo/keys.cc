#include "repo/keys.h"

#include "common/stop_point.h"
#include "repo/key_file.h"

namespace pb::repo {
namespace {

// True when the key file `name` opens with `password` (a damaged or
// unreadable file does not).
bool Opens(Repository* repo, const std::string& name, std::string_view password) {
  auto stored = ReadKeyFile(repo->backend(), name);
  return stored.ok() && DecodeKeyFile(stored->text, password).ok();
}

}  // namespace

Result<std::vector<KeyEntry>> ListKeys(Repository* repo) {
  auto names = repo->backend().List("keys");
  if (!names.ok()) return names.status();
  std::vector<KeyEntry> out;
  for (const std::string& name : *names) {
    KeyEntry entry;
    entry.name = name;
    entry.in_use = name == repo->key_file();
    auto stored = ReadKeyFile(repo->backend(), name);
    if (!stored.ok()) {
      if (stored.status().kind() != Status::Kind::kCorruption) return stored.status();
      entry.problem = stored.status().message();
    } else if (!stored->matches_name) {
      entry.problem = kKeyFileModified;
    } else {
      entry.info = stored->info;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::string> AddKey(Repository* repo, std::string_view password, const KdfParams& kdf) {
  auto text = EncodeKeyFile(repo->key(), password, kdf);
  if (!text.ok()) return text.status();
  const std::string name = Sha256Hex(*text);
  PB_RETURN_IF_ERROR(repo->backend().Write(PathOf("keys", name), *text));
  if (!Opens(repo, name, password)) {
    return Status::Corruption("the new key file keys/" + name +
                              " does not open with the new password when read back: the repository's storage is "
                              "not returning what was written; nothing else was changed (run paymentsctl check)");
  }
  return name;
}

Result<std::string> FindKey(Repository* repo, std::string_view prefix) {
  if (prefix.size() < 4) {
    return Status::InvalidArgument("give at least 4 characters of the key's id (see `paymentsctl key list`)");
  }
  auto names = repo->backend().List("keys");
  if (!names.ok()) return names.status();
  std::vector<std::string> matches;
  for (const std::string& name : *names) {
    if (name.starts_with(prefix)) matches.push_back(name);
  }
  if (matches.empty()) {
    return Status::NotFound("no key file with id " + std::string(prefix) + " (see `paymentsctl key list`)");
  }
  if (matches.size() > 1) {
    return Status::InvalidArgument("the id " + std::string(prefix) + " matches " + std::to_string(matches.size()) +
                                   " key files: give more characters (see `paymentsctl key list`)");
  }
  return matches[0];
}

Status RemoveKey(Repository* repo, const std::string& name, std::string_view password) {
  auto names = repo->backend().List("keys");
  if (!names.ok()) return names.status();
  if (names->size() <= 1) {
    return Status::InvalidArgument("keys/" + name + " is the repository's only key file: without it nobody can "
                                   "open the repository (add another with `paymentsctl key add` first)");
  }
  if (name == repo->key_file()) {
    bool another = false;
    for (const std::string& other : *names) {
      if (other != name && Opens(repo, other, password)) another = true;
    }
    if (!another) {
      return Status::InvalidArgument("keys/" + name + " is the key file your password opens, and no other key file "
                                     "opens with that password: removing it would lock you out. To change the "
                                     "password use `paymentsctl key passwd`; to remove this key, open the "
                                     "repository with another key's password");
    }
  }
  return repo->backend().Remove(PathOf("keys", name));
}

Result<PasswordChange> ChangePassword(Repository* repo, std::string_view old_password, std::string_view new_password,
                                      const KdfParams& kdf) {
  if (new_password == old_password) {
    return Status::InvalidArgument("the new password is the old one: nothing to change");
  }
  auto names = repo->backend().List("keys");
  if (!names.ok()) return names.status();
  PasswordChange change;
  // An interrupted change already wrote a key file for the new password:
  // finishing it needs no second one.
  for (const std::string& name : *names) {
    if (Opens(repo, name, new_password)) change.added = name;
  }
  if (change.added.empty()) {
    auto added = AddKey(repo, new_password, kdf);
    if (!added.ok()) return added.status();
    change.added = *added;
  }
  StopPoint("key passwd:new key written");
  for (const std::string& name : *names) {
    if (name == change.added || !Opens(repo, name, old_password)) continue;
    PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("keys", name)));
    change.removed.push_back(name);
  }
  StopPoint("key passwd:old key removed");
  return change;
}

}  // namespace pb::repo
