#include "repo/key_file.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace pb::repo {

Result<StoredKeyFile> ReadKeyFile(Backend& backend, const std::string& name) {
  const std::string path = PathOf("keys", name);
  auto size = backend.Size(path);
  if (!size.ok()) return size.status();
  if (*size > kMaxKeyFileBytes) {
    return Status::Corruption("it is " + std::to_string(*size) + " bytes, more than a key file can be (" +
                              std::to_string(kMaxKeyFileBytes) +
                              "): it was tampered with or damaged, and was not read");
  }
  StoredKeyFile stored;
  auto text = backend.ReadRange(path, 0, static_cast<size_t>(*size));
  if (!text.ok()) return text.status();
  stored.text = std::move(text).value();
  auto info = InspectKeyFile(stored.text);
  if (!info.ok()) return info.status();
  stored.info = *info;
  stored.matches_name = Sha256Hex(stored.text) == name;
  return stored;
}

Result<UnlockedKey> UnlockKeyFiles(Backend& backend, std::string_view password) {
  auto names = backend.List("keys");
  if (!names.ok()) return names.status();
  if (names->empty()) {
    return Status::Corruption(backend.Describe() + " has no key file under keys/: it cannot be unlocked");
  }
  std::string damaged;  // the first damaged key file, "keys/<name>: <why>"
  auto note = [&damaged](const std::string& name, std::string_view why) {
    if (damaged.empty()) damaged = "keys/" + name + ": " + std::string(why);
  };
  std::vector<std::pair<std::string, StoredKeyFile>> candidates;
  for (const std::string& name : *names) {
    auto stored = ReadKeyFile(backend, name);
    if (stored.ok()) {
      candidates.emplace_back(name, std::move(stored).value());
    } else if (stored.status().kind() == Status::Kind::kCorruption) {
      note(name, stored.status().message());
    } else {
      return stored.status();
    }
  }
  std::stable_partition(candidates.begin(), candidates.end(), [](const auto& c) { return c.second.matches_name; });
  for (const auto& [name, stored] : candidates) {
    auto key = DecodeKeyFile(stored.text, password);
    if (key.ok()) return UnlockedKey{*key, name};
    Status::Kind kind = key.status().kind();
    if (kind != Status::Kind::kInvalidArgument && kind != Status::Kind::kCorruption) return key.status();
    if (!stored.matches_name) note(name, kKeyFileModified);
  }
  if (!damaged.empty()) {
    return Status::Corruption(damaged + "; no other key file of " + backend.Describe() +
                              " opened with this password. If the password is right, open the repository with "
                              "another key file's password (`paymentsctl key list` then shows what is wrong with "
                              "each key file), or put that key file back from a copy of the repository");
  }
  return Status::InvalidArgument("wrong password for the repository at " + backend.Describe() +
                                 " (no key file opened with it)");
}

}  // namespace pb::repo
