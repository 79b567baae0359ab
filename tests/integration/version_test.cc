// Issue 16: `payments-backend --version` and `paymentsctl --version` print
// one line, "<program> <version> (commit <id>)", and exit 0 without touching
// anything: the version is the project VERSION of CMakeLists.txt, the commit
// the one the sources are at (git rev-parse HEAD), or "unknown" when they are
// not a git checkout.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/child_runner.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

// The commit the sources are at, as the build must have found it.
std::string SourceCommit() {
  ChildResult git = RunChild({"git", "-C", SourcePath(""), "rev-parse", "--show-toplevel", "HEAD"}, {},
                             std::chrono::seconds(30));
  std::vector<std::string> lines = Lines(git.out);
  std::error_code ec;
  if (git.exit_code != 0 || lines.size() != 2 || !fs::equivalent(lines[0], SourcePath(""), ec)) return "unknown";
  return lines[1];
}

TEST(Version, BothBinariesPrintTheVersionAndTheCommitAndTouchNothing) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  const std::string commit = SourceCommit();
  for (const char* program : {"payments-backend", "paymentsctl"}) {
    SCOPED_TRACE(program);
    ChildOptions env;
    env.set_env = {"PAYMENTS_DATA_DIR=" + data};
    ChildResult r = RunChild({BinPath(program), "--version"}, env, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, std::string(program) + " " + PB_VERSION + " (commit " + commit + ")\n") << r.Describe();
    const std::regex line("[a-z-]+ [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit ([0-9a-f]{40,64}|unknown)\\)\n");
    EXPECT_TRUE(std::regex_match(r.out, line)) << r.out;
    EXPECT_EQ(r.err, "") << r.Describe();
    EXPECT_FALSE(fs::exists(data)) << "--version created the data directory";
  }
}

}  // namespace
}  // namespace pb::integration
