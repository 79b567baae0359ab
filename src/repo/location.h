// repo/: where a repository is — a directory, or s3://BUCKET/PREFIX — and
// the backend that serves it (local/ or s3/). The one place that chooses a
// backend from a location: paymentsctl and payments-backend --replicate-to
// both come here. A new storage backend is a new folder beside local/ and
// s3/ plus one branch in location.cc.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "repo/backend.h"
#include "repo/repository.h"

namespace pb::repo {

struct Location {
  std::string repo;         // a directory, or s3://BUCKET/PREFIX (docs/s3-backend.md)
  std::string s3_endpoint;  // s3:// only: the endpoint URL (empty: from the environment)
  bool s3_path_style = false;
};

// True when location.repo names an S3 repository (s3://...).
bool IsRemote(const Location& location);

// The storage of `location`: an S3Backend for s3://..., else a LocalBackend.
// Open errors: NotFound when there is no repository there; InvalidArgument
// for a malformed URL or missing S3 credentials (before any request).
// Create errors: Conflict when the place is not empty.
Result<std::unique_ptr<Backend>> OpenBackend(const Location& location);
Result<std::unique_ptr<Backend>> CreateBackend(const Location& location);

// True when nothing is at `location` yet, so that init may create a
// repository there: a missing or empty directory, an S3 prefix without a
// repository (OpenBackend says NotFound). Anything else (a repository,
// other files, an error reaching S3) is false: opening it then says what
// is wrong.
bool IsVacant(const Location& location);

// Opens the repository at `location` and unlocks it with the password
// `password` gives (asked only once the backend opened, so that a wrong
// location is reported first), without taking a lock. Errors: those of
// OpenBackend, of `password`, of Repository::Open.
using PasswordSource = std::function<Result<std::string>()>;
Result<std::unique_ptr<Repository>> UnlockRepository(const Location& location, const PasswordSource& password);

}  // namespace pb::repo
