// The storages the backend contract suite (backend_contract_test.cc) runs
// against, behind one interface: "local", repositories in directories of a
// temporary directory (repo/local/), and "s3", repositories under prefixes
// of the bucket of an s3rver the test starts on 127.0.0.1 (repo/s3/, listing
// two keys a page). Besides creating and opening backends, a Storage reaches
// around them, as another tool or a damaged disk would.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/backend.h"

namespace pb::repo::contract {

class Storage {
 public:
  Storage() = default;
  virtual ~Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Starts what the storage needs (s3rver). Errors: IOError saying why.
  virtual Status Start() = 0;
  // A new repository named `name` (a directory, an S3 prefix), and an
  // existing one, through the backend's own Create and Open.
  virtual Result<std::unique_ptr<Backend>> Create(const std::string& name) = 0;
  virtual Result<std::unique_ptr<Backend>> Open(const std::string& name) = 0;
  // How the backend's messages name `path` of repository `name` (the
  // repository itself when `path` is empty).
  virtual std::string Where(const std::string& name, const std::string& path) const = 0;
  // The bytes stored for `path` of repository `name`, read around the
  // backend; nullopt when nothing is stored there.
  virtual std::optional<std::string> Stored(const std::string& name, const std::string& path) = 0;
  // Puts `bytes` at `rel` inside repository `name`, or removes them, around
  // the backend: what another tool could leave there.
  virtual void PutForeign(const std::string& name, const std::string& rel, const std::string& bytes) = 0;
  virtual void RemoveForeign(const std::string& name, const std::string& rel) = 0;
  // Puts `bytes` at `rel` beside the repositories, inside none of them.
  virtual void PutVictim(const std::string& rel, const std::string& bytes) = 0;
  // Everything stored, each entry with its bytes: a picture to compare
  // before and after an operation.
  virtual std::set<std::string> Everything() = 0;
};

// The kinds MakeStorage knows: "local", "s3".
std::vector<std::string> StorageKinds();
std::unique_ptr<Storage> MakeStorage(const std::string& kind);

// Paths a crafted or buggy name could produce; ValidatePath refuses them all.
const std::vector<std::string>& BadPaths();

}  // namespace pb::repo::contract
