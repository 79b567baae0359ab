#include "ledger/data_dir_probe.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::ledger {
namespace {

constexpr size_t kNamesShown = 3;

}  // namespace

DataDirKind ClassifyDataDir(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return DataDirKind::kMissing;
  if (!S_ISDIR(st.st_mode)) return DataDirKind::kNotADirectory;
  if (::access(dir.c_str(), R_OK | X_OK) != 0) return DataDirKind::kUnreadable;
  if (IsDir(JournalDir(dir))) return DataDirKind::kJournal;
  if (HasStateFiles(dir)) return DataDirKind::kPythonEra;
  if (FileExists(dir + "/config") && IsDir(dir + "/keys") && IsDir(dir + "/snapshots")) return DataDirKind::kRepository;
  return DataDirKind::kOther;
}

std::string NotADataDirMessage(const std::string& dir, DataDirKind kind) {
  switch (kind) {
    case DataDirKind::kMissing: return dir + " does not exist";
    case DataDirKind::kNotADirectory: return dir + " is not a directory";
    case DataDirKind::kUnreadable:
      return dir + " cannot be read by this user (" + std::string(std::strerror(EACCES)) +
             "): run as root or as the service's user";
    case DataDirKind::kRepository:
      return dir + " is a paymentsctl backup repository (config, keys/, snapshots/), not a payments data directory";
    case DataDirKind::kJournal:
    case DataDirKind::kPythonEra: return dir + " is a payments data directory";
    case DataDirKind::kOther: break;
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string held;
  for (size_t i = 0; i < names.size() && i < kNamesShown; ++i) held += (i ? ", " : "") + names[i];
  if (names.size() > kNamesShown) held += " and " + std::to_string(names.size() - kNamesShown) + " more";
  return dir + " is not a payments data directory: it has no journal/ and none of registry.json, balances.json, "
               "workloads.json (" + (names.empty() ? "it is empty" : "it holds: " + held) + ")";
}

}  // namespace pb::ledger
