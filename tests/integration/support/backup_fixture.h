// The fixture of the paymentsctl backup tests: a temporary directory holding
// a repository (dir/repo) and whatever data directories a test makes, and
// bounded runs of the real paymentsctl against that repository.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "repo/local/local_backend.h"
#include "repo/repository.h"
#include "support/child_runner.h"
#include "support/data_files.h"
#include "support/json_doc.h"
#include "support/test_support.h"

namespace pb::integration {

// A page of audit/docker.db as the tests rewrite it in place (SQLite's page size here).
constexpr uint64_t kPage = 64 << 10;

class BackupTest : public ::testing::Test {
 protected:
  std::string Repo() const { return dir_.Sub("repo"); }
  std::string Sub(std::string_view name) const { return dir_.Sub(name); }

  // paymentsctl <args...> --repo Repo(), password in the environment.
  ChildResult Ctl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
    args.push_back("--repo");
    args.push_back(Repo());
    return RunChild(CtlArgv(args), CtlEnv(), timeout);
  }

  // Starts paymentsctl <args...> --repo Repo() without waiting.
  std::unique_ptr<Child> StartCtl(std::vector<std::string> args) const {
    args.push_back("--repo");
    args.push_back(Repo());
    auto child = Child::Start(CtlArgv(args), CtlEnv());
    if (!child.ok()) {
      ADD_FAILURE() << child.status().ToString();
      return nullptr;
    }
    return std::move(child.value());
  }

  void InitRepo() {
    ChildResult r = Ctl({"init"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // backup --json of `data_dir` with `extra` flags; "" (and a test failure)
  // unless it succeeded.
  std::string Backup(const std::string& data_dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"backup", "--data-dir", data_dir, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildResult r = Ctl(args);
    if (r.exit_code != 0) {
      ADD_FAILURE() << "backup of " << data_dir << ": " << r.Describe();
      return "";
    }
    return r.out;
  }

  // The id of a new snapshot of `data_dir` (backup --json with `extra`); ""
  // (and a test failure) unless the backup succeeded.
  std::string BackupId(const std::string& data_dir, std::vector<std::string> extra = {}) {
    return JsonDoc(Backup(data_dir, std::move(extra))).Str("snapshot_id");
  }

  // restore <snapshot> --to <target> --json with `extra` flags.
  ChildResult Restore(const std::string& snapshot, const std::string& target, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"restore", snapshot, "--to", target, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }

  // The paths `ls --json` lists for `snapshot` ("/audit/registry.log").
  std::set<std::string> LsPaths(const std::string& snapshot) {
    std::set<std::string> paths;
    ChildResult r = Ctl({"ls", snapshot, "--json"});
    if (r.exit_code != 0) {
      ADD_FAILURE() << "ls: " << r.Describe();
      return paths;
    }
    JsonDoc doc(r.out);
    if (!doc.HasArray("entries")) {
      ADD_FAILURE() << "ls --json has no array of entries: " << r.out;
      return paths;
    }
    for (std::string& path : doc.Strings("entries", "path")) paths.insert(std::move(path));
    return paths;
  }

  // The repository opened in this process, as another paymentsctl would;
  // nullptr (and a test failure) when it does not open.
  std::unique_ptr<repo::Repository> OpenInProcess() {
    auto backend = repo::LocalBackend::Open(Repo());
    if (!backend.ok()) {
      ADD_FAILURE() << backend.status().ToString();
      return nullptr;
    }
    auto opened = repo::Repository::Open(std::move(backend).value(), kRepoPassword);
    if (!opened.ok()) {
      ADD_FAILURE() << opened.status().ToString();
      return nullptr;
    }
    return std::move(opened).value();
  }

  // check --read-data --json; fails the test unless it reports no damage.
  void ExpectCheckReadDataPasses(const std::string& when) {
    ChildResult r = Ctl({"check", "--read-data", "--json"});
    EXPECT_EQ(r.exit_code, 0) << "check --read-data " << when << ": " << r.Describe();
    JsonDoc doc(r.out);
    EXPECT_TRUE(doc.Bool("ok")) << "check --read-data " << when << ": " << r.out;
  }

  TempDir dir_;
};

#define PB_ASSERT_OK(expr)                                          \
  do {                                                              \
    const ::pb::Status _st = (expr);                                \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString();       \
  } while (0)

}  // namespace pb::integration
