// cli/: what every repository command shares — its repository options,
// opening and unlocking the repository, the readable snapshots.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/output.h"
#include "common/status.h"
#include "repo/location.h"
#include "repo/lock.h"
#include "repo/repository.h"

namespace pb::cli {

// Options every repository command takes: where the repository is (--repo,
// else $PAYMENTS_REPO; for an s3://BUCKET/PREFIX repository --s3-endpoint,
// --s3-path-style; repo/location.h opens it) and --password-file.
struct RepoOptions : repo::Location {
  std::string password_file;
};
// Adds the options of RepoOptions. With Presence::kOptional, options.repo
// may stay empty.
void AddRepoOptions(CLI::App* cmd, RepoOptions* options, Presence presence = Presence::kRequired);

// Opens options.repo and unlocks it with the password (file or environment,
// see secrets::ReadPassword), without taking a lock: for the replicator,
// which locks only around its snapshots, and for unlock.
Result<std::unique_ptr<repo::Repository>> UnlockRepo(const RepoOptions& options);

// How a command opens its repository.
struct OpenOptions {
  // repo/lock.h: kRead for commands that only read, kAppend for backups,
  // kExclusive for what deletes or replaces files.
  repo::LockMode mode = repo::LockMode::kRead;
  std::string operation;            // recorded in the lock ("backup", "key add")
  bool load_index = false;          // commands that read blobs (trees, file data) need it
  std::string* password = nullptr;  // receives the password it was opened with (key commands)
};

// An unlocked repository, locked as asked, with its index when asked.
struct OpenedRepo {
  std::unique_ptr<repo::Repository> repo;
  std::unique_ptr<repo::RepoLock> lock;
  bool created = false;  // OpenOrInitRepo created it
};
// Opens options.repo, unlocks it, takes the lock and loads the index as
// `open` says. Index files that cannot be read are warnings through `out`
// (stderr when null): their blobs read as missing; `paymentsctl repair`
// rebuilds the index.
Result<OpenedRepo> OpenRepo(const RepoOptions& options, const OpenOptions& open, Output* out = nullptr);

// OpenRepo, but a repository directory that does not exist or is empty is
// created first (deploy --backup-out); OpenedRepo::created tells.
Result<OpenedRepo> OpenOrInitRepo(const RepoOptions& options, const OpenOptions& open, Output* out);

// The readable snapshots; each damaged snapshot file is skipped with a
// warning through `out` naming it (run `check`).
Result<std::vector<repo::SnapshotRef>> ReadableSnapshots(repo::Repository* repo, Output& out);

// `dir` made absolute and normalized, without a trailing slash: the form
// snapshots record as their data directory.
std::string AbsoluteDir(const std::string& dir);

}  // namespace pb::cli
