#include "cli/repo_access.h"

#include <filesystem>
#include <iostream>

#include "secrets/password.h"

namespace pb::cli {
namespace {

void WarnThrough(Output* out, const std::string& text) {
  if (out != nullptr) {
    out->Warn(text);
  } else {
    std::cerr << "warning: " << text << "\n";
  }
}

const char* LockName(repo::LockMode mode) {
  switch (mode) {
    case repo::LockMode::kRead: return "a shared read";
    case repo::LockMode::kAppend: return "a shared append";
    case repo::LockMode::kExclusive: return "an exclusive";
  }
  return "?";
}

Result<OpenedRepo> OpenWith(std::unique_ptr<repo::Backend> backend, const std::string& password,
                            const OpenOptions& open, Output* out) {
  const std::string where = backend->Describe();
  auto repo = repo::Repository::Open(std::move(backend), password);
  if (!repo.ok()) return repo.status();
  OpenedRepo opened;
  opened.repo = std::move(repo).value();
  auto lock = repo::RepoLock::Acquire(opened.repo.get(), open.mode, open.operation);
  if (!lock.ok()) return lock.status();
  opened.lock = std::move(lock).value();
  if (out != nullptr) out->Detail("opened " + where + " with " + LockName(open.mode) + " lock");
  if (open.load_index) {
    PB_RETURN_IF_ERROR(opened.repo->LoadIndex());
    for (const std::string& bad : opened.repo->unreadable_index_files()) {
      WarnThrough(out, "skipping an index file that cannot be read (" + bad +
                           "); the blobs it lists count as missing: run `paymentsctl repair` to rebuild the index");
    }
    if (out != nullptr) out->Detail("index loaded");
  }
  return opened;
}

}  // namespace

void AddRepoOptions(CLI::App* cmd, RepoOptions* options, Presence presence) {
  cmd->add_option("--repo", options->repo, "repository directory, or s3://BUCKET/PREFIX (default: $PAYMENTS_REPO)")
      ->envname("PAYMENTS_REPO")
      ->required(presence == Presence::kRequired);
  cmd->add_option("--password-file", options->password_file,
                  "file whose first line is the password, a regular file of mode 0600 (default: "
                  "$PAYMENTS_REPO_PASSWORD, else a prompt)");
  cmd->add_option("--s3-endpoint", options->s3_endpoint,
                  "S3 endpoint URL for s3:// repositories (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, AWS)");
  cmd->add_flag("--s3-path-style", options->s3_path_style,
                "address s3:// buckets as ENDPOINT/BUCKET/KEY (default for IP and localhost endpoints; "
                "also $PAYMENTS_S3_PATH_STYLE=1)");
}

Result<std::unique_ptr<repo::Repository>> UnlockRepo(const RepoOptions& options) {
  return repo::UnlockRepository(options, [&] { return secrets::ReadPassword({.file = options.password_file}); });
}

std::string AbsoluteDir(const std::string& dir) {
  std::string out = std::filesystem::absolute(dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<OpenedRepo> OpenRepo(const RepoOptions& options, const OpenOptions& open, Output* out) {
  PB_ASSIGN_OR_RETURN(auto backend, repo::OpenBackend(options));
  PB_ASSIGN_OR_RETURN(const std::string password, secrets::ReadPassword({.file = options.password_file}));
  if (open.password != nullptr) *open.password = password;
  return OpenWith(std::move(backend), password, open, out);
}

Result<OpenedRepo> OpenOrInitRepo(const RepoOptions& options, const OpenOptions& open, Output* out) {
  if (!repo::IsVacant(options)) return OpenRepo(options, open, out);
  PB_ASSIGN_OR_RETURN(const std::string password,
                      secrets::ReadPassword({.file = options.password_file, .confirm = true}));
  PB_ASSIGN_OR_RETURN(auto backend, repo::CreateBackend(options));
  PB_RETURN_IF_ERROR(repo::Repository::Init(*backend, password, repo::kDefaultKdf));
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenWith(std::move(backend), password, open, out));
  opened.created = true;
  return opened;
}

Result<std::vector<repo::SnapshotRef>> ReadableSnapshots(repo::Repository* repo, Output& out) {
  std::vector<std::string> damaged;
  auto all = repo->ListSnapshots(&damaged);
  for (const std::string& d : damaged) {
    out.Warn("skipping a damaged snapshot file (" + d + "); run `paymentsctl check --read-data`");
  }
  return all;
}

}  // namespace pb::cli
