// Shared by the repository tests (repo_*_test.cc): a local repository with a
// cheap key derivation, deterministic random content, pictures of directory
// trees to compare restores with, and the open -> index -> find -> restore
// sequence of `paymentsctl restore`, all in-process.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "backup/archiver.h"
#include "common/sha256.h"
#include "common/status.h"
#include "repo/checker.h"
#include "repo/crypto.h"
#include "repo/local/local_backend.h"
#include "repo/repository.h"
#include "replicate/shipped_records.h"
#include "restore/restorer.h"

namespace pb::testing {

// Times of the shipped journal's tests (repo/wal_compact.h):
// 2026-11-18T00:00:00Z, the start of a window of every level, and a second.
constexpr int64_t kWalDay = 1795046400000;
constexpr int64_t kWalSecond = 1000;

inline constexpr std::string_view kRepoPassword = "correct horse battery staple";

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteBytes(const std::string& path, std::string_view bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// `n` bytes of SplitMix64 output from `seed`: incompressible, reproducible.
inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (size_t b = 0; b < 8 && i + b < n; ++b) out[i + b] = static_cast<char>(z >> (8 * b));
  }
  return out;
}

// Every entry under `dir` (relative path -> what it is): "file <mode> <sha256>",
// "dir <mode>" or "symlink -> <target>". Two directories restore the same
// snapshot byte-identically exactly when their pictures are equal.
inline std::map<std::string, std::string> Picture(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = fs::relative(it->path(), dir).string();
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) throw std::runtime_error("lstat " + it->path().string());
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 07777);
    if (S_ISLNK(st.st_mode)) {
      out[rel] = "symlink -> " + fs::read_symlink(it->path()).string();
    } else if (S_ISDIR(st.st_mode)) {
      out[rel] = "dir " + mode.str();
    } else {
      out[rel] = "file " + mode.str() + " " + Sha256Hex(ReadBytes(it->path().string()));
    }
  }
  return out;
}

// The names of the entries directly in `dir` (empty if it does not exist).
inline std::set<std::string> Entries(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

// Creates a repository in `dir` with kRepoPassword and the cheapest KDF.
inline void InitRepo(const std::string& dir) {
  auto backend = repo::LocalBackend::Create(dir);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Status st = repo::Repository::Init(**backend, kRepoPassword, repo::kTestOnlyKdf);
  ASSERT_TRUE(st.ok()) << st.ToString();
}

// Opens the repository in `dir`; with `load_index` also reads its index.
inline Result<std::unique_ptr<repo::Repository>> OpenRepo(const std::string& dir,
                                                          std::string_view password = kRepoPassword,
                                                          bool load_index = true) {
  auto backend = repo::LocalBackend::Open(dir);
  if (!backend.ok()) return backend.status();
  auto opened = repo::Repository::Open(std::move(backend).value(), password);
  if (!opened.ok()) return opened.status();
  if (load_index) {
    Status st = (*opened)->LoadIndex();
    if (!st.ok()) return st;
  }
  return opened;
}

// InitRepo, then OpenRepo into *out (a test failure when either fails).
inline void InitAndOpenRepo(const std::string& dir, std::unique_ptr<repo::Repository>* out) {
  InitRepo(dir);
  auto repo = OpenRepo(dir);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  *out = std::move(repo).value();
}

// Backs `data_dir` up into the repository in `repo_dir`; returns the snapshot id.
inline std::string Backup(const std::string& repo_dir, const std::string& data_dir) {
  auto repo = OpenRepo(repo_dir);
  if (!repo.ok()) throw std::runtime_error("open: " + repo.status().ToString());
  backup::BackupOptions options;
  options.data_dir = data_dir;
  options.mode = backup::BackupMode::kFull;
  options.allow_empty = true;  // the tests' directories hold files, not a ledger
  options.workers = 2;
  auto result = backup::RunBackup(repo->get(), options, nullptr);
  if (!result.ok()) throw std::runtime_error("backup: " + result.status().ToString());
  return result->snapshot_id;
}

// CheckRepository on a freshly opened repository (no index loaded: the
// checker reads the index files itself).
inline Result<repo::CheckReport> Check(const std::string& repo_dir, bool read_data = true) {
  auto repo = OpenRepo(repo_dir, kRepoPassword, /*load_index=*/false);
  if (!repo.ok()) return repo.status();
  return repo::CheckRepository(repo->get(), read_data, nullptr, replicate::CheckShippedRecords);
}

// What `paymentsctl restore <query> --to <target>` does: open, load the
// index, list the snapshots, pick one, restore.
inline Status Restore(const std::string& repo_dir, const std::string& query, const std::string& target,
                      bool force = false) {
  auto repo = OpenRepo(repo_dir);
  if (!repo.ok()) return repo.status();
  auto all = (*repo)->ListSnapshots();
  if (!all.ok()) return all.status();
  auto snap = repo::FindSnapshot(*all, query);
  if (!snap.ok()) return snap.status();
  restore::RestoreOptions options;
  options.target = target;
  options.force = force;
  options.workers = 2;
  auto result = restore::RunRestore(repo->get(), *snap, options, nullptr);
  return result.ok() ? Status::Ok() : result.status();
}

// All problems of a report on one line each, for failure messages.
inline std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

// True if any of `lines` contains `needle`.
inline bool AnyContains(const std::vector<std::string>& lines, std::string_view needle) {
  for (const std::string& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace pb::testing
