// Issue 17: forget, prune and compact report through the same Output as
// every other command (README "Output and exit codes"): with --json a
// report is one object whose first member is "ok", and so is an error
// ({"ok":false,"error":{"kind","message"}} on stdout, its line on stderr);
// a bad combination or value of forget's options is a usage error (exit 2,
// kind "usage") and nothing is done; -q and -v are taken.
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

// The "kind" of the "error" member of a --json document, or "".
std::string JsonErrorKind(const std::string& json) {
  JsonDoc doc(json);
  std::string_view kind;
  if (!doc.ok() || doc.root()["error"]["kind"].get_string().get(kind) != simdjson::SUCCESS) return "";
  return std::string(kind);
}

class CliRepoMaintenance : public BackupTest {
 protected:
  // `r` printed one JSON object on stdout whose first member is "ok":`ok`.
  static void ExpectEnvelope(const ChildResult& r, bool ok) {
    EXPECT_EQ(r.out.rfind(ok ? "{\"ok\":true" : "{\"ok\":false", 0), 0u) << r.Describe();
    EXPECT_TRUE(JsonDoc(r.out).ok()) << r.Describe();
  }
};

TEST_F(CliRepoMaintenance, ErrorsAreJsonObjectsOnStdoutWithExitOne) {
  // No repository at --repo: each command fails before doing anything.
  for (const Args& args : {Args{"forget", "--keep-last", "1", "--json"}, Args{"prune", "--json"},
                           Args{"compact", "--json"}, Args{"compact", "--dry-run", "--json"}}) {
    ChildResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    ExpectEnvelope(r, false);
    EXPECT_NE(JsonErrorKind(r.out), "") << r.Describe();
    EXPECT_NE(JsonErrorKind(r.out), "usage") << r.Describe();
    EXPECT_NE(r.err.find("paymentsctl " + args[0] + ": "), std::string::npos) << r.Describe();
  }
  EXPECT_FALSE(fs::exists(Repo()));
}

TEST_F(CliRepoMaintenance, ForgetsBadOptionsAreUsageErrorsAndNothingIsRemoved) {
  InitRepo();
  const std::string data = Sub("data");
  fs::create_directories(data);
  PB_ASSERT_OK(WriteRandomFile(data + "/state.bin", 4096, 7));
  const std::string id = BackupId(data, {"--allow-empty"});
  ASSERT_FALSE(id.empty());
  for (const Args& args : {Args{"forget", "--keep-within", "7x", "--json"},          // not a duration
                           Args{"forget", id, "--keep-last", "1", "--json"},         // ids and a policy
                           Args{"forget", "--json"},                                 // keeps nothing
                           Args{"forget", "--keep-last", "0", "--prune", "--json"}}) {
    ChildResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    ExpectEnvelope(r, false);
    EXPECT_EQ(JsonErrorKind(r.out), "usage") << r.Describe();
    EXPECT_NE(r.err.find("paymentsctl forget: usage: "), std::string::npos) << r.Describe();
  }
  ChildResult left = Ctl({"snapshots", "--json"});
  ASSERT_EQ(left.exit_code, 0) << left.Describe();
  EXPECT_EQ(JsonDoc(left.out).Strings("snapshots", "id"), std::vector<std::string>{id});
}

TEST_F(CliRepoMaintenance, ReportsHaveOkFirstAndTakeQuietAndVerbose) {
  InitRepo();
  ChildResult prune = Ctl({"prune", "--dry-run", "--json", "-q"});
  ASSERT_EQ(prune.exit_code, 0) << prune.Describe();
  ExpectEnvelope(prune, true);
  EXPECT_TRUE(JsonDoc(prune.out).Bool("dry_run")) << prune.out;
  EXPECT_EQ(prune.err, "") << prune.Describe();

  ChildResult compact = Ctl({"compact", "--json", "-v"});
  ASSERT_EQ(compact.exit_code, 0) << compact.Describe();
  ExpectEnvelope(compact, true);
  EXPECT_TRUE(JsonDoc(compact.out).HasArray("streams")) << compact.out;
  EXPECT_NE(compact.err.find("paymentsctl compact: opened "), std::string::npos) << compact.Describe();

  ChildResult text = Ctl({"compact", "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_EQ(text.out, "no shipped journal (wal/ is empty)\n") << text.Describe();

  ChildResult forget = Ctl({"forget", "--keep-last", "1", "--dry-run", "--json", "-v"});
  ASSERT_EQ(forget.exit_code, 0) << forget.Describe();
  ExpectEnvelope(forget, true);
  EXPECT_TRUE(JsonDoc(forget.out).HasArray("snapshots")) << forget.out;
  EXPECT_NE(forget.err.find("paymentsctl forget: opened "), std::string::npos) << forget.Describe();
}

}  // namespace
}  // namespace pb::integration
