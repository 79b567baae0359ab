// cli/: what every repository command shares — opening and unlocking the
// repository, reporting errors, human-readable sizes and the TTY progress line.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "repo/location.h"
#include "repo/lock.h"
#include "repo/repository.h"

namespace pb::cli {

// Options every repository command takes: where the repository is (--repo,
// and for an s3://BUCKET/PREFIX repository --s3-endpoint, --s3-path-style;
// repo/location.h opens it) and --password-file.
struct RepoOptions : repo::Location {
  std::string password_file;
};
// --repo is required unless `required` is false (then options.repo may be empty).
void AddRepoOptions(CLI::App* cmd, RepoOptions* options, bool required = true);

// Opens options.repo and unlocks it with the password (file or environment,
// see ReadPassword), without taking a lock: for the replicator, which locks
// only around its snapshots.
Result<std::unique_ptr<repo::Repository>> UnlockRepo(const RepoOptions& options);

// An unlocked repository, optionally locked and with its index loaded.
struct OpenedRepo {
  std::unique_ptr<repo::Repository> repo;
  std::unique_ptr<repo::RepoLock> lock;
};
// Opens options.repo, unlocks it, takes the lock for `operation` in `mode`
// (repo/lock.h: kRead for commands that only read, kAppend for backups,
// kExclusive for what deletes or replaces files) and loads the index when
// asked; index files that cannot be read are named on stderr (their blobs
// read as missing; `paymentsctl repair` rebuilds the index). `password`,
// when given, receives the password it was opened with (key commands).
Result<OpenedRepo> OpenRepo(const RepoOptions& options, repo::LockMode mode, const std::string& operation,
                            bool load_index, std::string* password = nullptr);

// OpenRepo, but a repository directory that does not exist or is empty is
// created first (paymentsctl init); *created tells which happened.
Result<OpenedRepo> OpenOrInitRepo(const RepoOptions& options, repo::LockMode mode, const std::string& operation,
                                  bool load_index, bool* created);

// The readable snapshots; each damaged snapshot file is skipped with a
// warning on stderr naming it (run `check`).
Result<std::vector<repo::SnapshotRef>> ReadableSnapshots(repo::Repository* repo);

// `dir` made absolute and normalized, without a trailing slash: the form
// snapshots record as their data directory.
std::string AbsoluteDir(const std::string& dir);

// Prints "paymentsctl <command>: <kind>: <message>" to stderr; returns 1.
int ReportError(const std::string& command, const Status& status);

// "1.5 GiB", "312 KiB", "17 B".
std::string HumanBytes(uint64_t bytes);

// A single progress line on stderr, redrawn in place, only when stderr is a
// terminal: "<done> / <total>  <rate>/s  ETA <s>". It is a status line
// (common/log.h): a log line written meanwhile clears it first.
class ProgressLine {
 public:
  ProgressLine();
  void Update(uint64_t done, uint64_t total);
  // Draws `text` instead, for a stage counted in something else than bytes.
  void Show(std::string_view text);
  // A callback for reports of `n` more bytes read when the total is not
  // known (check, repair): counts them and redraws. Valid while *this is.
  std::function<void(uint64_t)> ByteCounter();
  // Clears the line (call before printing the result).
  void Finish();

 private:
  bool tty_;
  uint64_t counted_ = 0;  // ByteCounter's bytes
  std::chrono::steady_clock::time_point start_;
};

}  // namespace pb::cli
