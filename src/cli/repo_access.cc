#include "cli/repo_access.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/password.h"
#include "common/log.h"

namespace pb::cli {

void AddRepoOptions(CLI::App* cmd, RepoOptions* options, bool required) {
  cmd->add_option("--repo", options->repo, "repository directory, or s3://BUCKET/PREFIX")->required(required);
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
  return repo::UnlockRepository(options, [&] { return ReadPassword(options.password_file, /*confirm=*/false); });
}

namespace {

Result<OpenedRepo> OpenWith(std::unique_ptr<repo::Backend> backend, const std::string& password, repo::LockMode mode,
                            const std::string& operation, bool load_index) {
  auto repo = repo::Repository::Open(std::move(backend), password);
  if (!repo.ok()) return repo.status();
  OpenedRepo opened;
  opened.repo = std::move(repo).value();
  auto lock = repo::RepoLock::Acquire(opened.repo.get(), mode, operation);
  if (!lock.ok()) return lock.status();
  opened.lock = std::move(lock).value();
  if (load_index) {
    PB_RETURN_IF_ERROR(opened.repo->LoadIndex());
    for (const std::string& bad : opened.repo->unreadable_index_files()) {
      std::cerr << "warning: skipping an index file that cannot be read (" << bad
                << "); the blobs it lists count as missing: run `paymentsctl repair` to rebuild the index\n";
    }
  }
  return opened;
}

}  // namespace

std::string AbsoluteDir(const std::string& dir) {
  std::string out = std::filesystem::absolute(dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<OpenedRepo> OpenRepo(const RepoOptions& options, repo::LockMode mode, const std::string& operation,
                            bool load_index, std::string* password_out) {
  auto backend = repo::OpenBackend(options);
  if (!backend.ok()) return backend.status();
  auto password = ReadPassword(options.password_file, /*confirm=*/false);
  if (!password.ok()) return password.status();
  if (password_out) *password_out = *password;
  return OpenWith(std::move(backend).value(), *password, mode, operation, load_index);
}

Result<OpenedRepo> OpenOrInitRepo(const RepoOptions& options, repo::LockMode mode, const std::string& operation,
                                  bool load_index, bool* created) {
  *created = false;
  if (!repo::IsVacant(options)) return OpenRepo(options, mode, operation, load_index);
  auto password = ReadPassword(options.password_file, /*confirm=*/true);
  if (!password.ok()) return password.status();
  auto backend = repo::CreateBackend(options);
  if (!backend.ok()) return backend.status();
  PB_RETURN_IF_ERROR(repo::Repository::Init(**backend, *password, repo::kDefaultKdf));
  *created = true;
  return OpenWith(std::move(backend).value(), *password, mode, operation, load_index);
}

Result<std::vector<repo::SnapshotRef>> ReadableSnapshots(repo::Repository* repo) {
  std::vector<std::string> damaged;
  auto all = repo->ListSnapshots(&damaged);
  for (const std::string& d : damaged) {
    std::cerr << "warning: skipping a damaged snapshot file (" << d << "); run `paymentsctl check --read-data`\n";
  }
  return all;
}

int ReportError(const std::string& command, const Status& status) {
  std::cerr << "paymentsctl " << command << ": " << status.ToString() << "\n";
  return 1;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

ProgressLine::ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

void ProgressLine::Update(uint64_t done, uint64_t total) {
  if (!tty_) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string eta = rate > 0 && total > done ? std::to_string(static_cast<uint64_t>((total - done) / rate)) + " s" : "-";
  Show(HumanBytes(done) + " / " + HumanBytes(total) + "  " + HumanBytes(static_cast<uint64_t>(rate)) + "/s  ETA " + eta);
}

void ProgressLine::Show(std::string_view text) {
  if (tty_) DrawStatusLine(text);
}

std::function<void(uint64_t)> ProgressLine::ByteCounter() {
  return [this](uint64_t n) {
    counted_ += n;
    Update(counted_, counted_);
  };
}

void ProgressLine::Finish() {
  if (tty_) ClearStatusLine();
}

}  // namespace pb::cli
