// paymentsctl restore on a terminal (issue 17): the progress line covers the
// shipped journal while it is applied, not only the snapshot's files; a line
// logged meanwhile is not glued onto it; it is gone when the result is
// printed.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <thread>

#include "support/backup_fixture.h"
#include "support/replication_fixture.h"
#include "support/terminal_child.h"
#include "support/terminal_screen.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

// The seq of the last record in DATA/journal: segments are never deleted and
// hold one record a line.
uint64_t LastSeq(const std::string& data_dir) {
  uint64_t records = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir + "/journal")) {
    if (e.path().extension() != ".journal") continue;
    const std::string text = ReadFileOrEmpty(e.path().string());
    records += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  }
  return records;
}

class RestoreProgressTest : public ReplicateTest {
 protected:
  // Credits `id` and waits (at most 10 s) until the replicator has shipped
  // it: each credit then ends up in a wal object of its own.
  void CreditAndWaitShipped(uint16_t port, const std::string& data, const std::string& id) const {
    HttpClient http(port);
    ASSERT_TRUE(http.Connect().ok());
    auto r = http.Post("/api/workloads", CreditBody(id, "orch-1", "0.000001"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
    const uint64_t seq = LastSeq(data);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = ReplicateStatus(data).out;
      const uint64_t shipped = JsonDoc(last).UInt("shipped_seq");
      if (shipped != UINT64_MAX && shipped >= seq) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << id << " (seq " << seq << ") was not shipped: " << last;
  }
};

TEST_F(RestoreProgressTest, ATerminalShowsTheShippedJournalBeingAppliedThenTheLogAndTheResultEachOnItsOwnLines) {
  const std::string data = dir_.Sub("data");
  Replicating running;
  ASSERT_NO_FATAL_FAILURE(StartReplicating(data, &running));
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_NO_FATAL_FAILURE(CreditAndWaitShipped(running.backend->port(), data, id));
  }
  ::kill(running.replicator->pid(), SIGTERM);
  EXPECT_EQ(running.replicator->Wait(30s).exit_code, 0);
  EXPECT_EQ(running.backend->Terminate(), 0);

  TerminalResult r = RunOnTerminal(CtlArgv({"restore", "latest", "--to", dir_.Sub("restored"), "--repo", target_.repo}),
                                   Env(), 60s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The result names the wal objects applied: at least one per credit.
  std::smatch applied;
  ASSERT_TRUE(std::regex_search(r.output, applied, std::regex(R"(from (\d+) wal object\(s\))"))) << r.output;
  const std::string objects = applied[1];
  EXPECT_GE(std::stoul(objects), 3u) << r.output;
  // Drawn while they were applied: from none to all of them.
  EXPECT_NE(r.output.find("applying the shipped journal: 0 / " + objects + " wal object(s), at seq "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("applying the shipped journal: " + objects + " / " + objects + " wal object(s), at seq "),
            std::string::npos)
      << r.output;
  // Then cleared: the terminal shows the lines logged meanwhile (rebuilding
  // the audit logs after the records were applied), each from its start,
  // then the result, and nothing of the progress.
  std::vector<std::string> screen = testing::ScreenLines(r.output);
  std::string shown;
  for (const std::string& line : screen) shown += line + "\n";
  const std::regex log_line(R"(\d{4}-\d\d-\d\dT[0-9:.]+Z (info|warning) .*)");
  size_t result_line = 0;
  while (result_line < screen.size() && std::regex_match(screen[result_line], log_line)) ++result_line;
  ASSERT_LT(result_line, screen.size()) << shown;
  EXPECT_EQ(screen[result_line].rfind("restored snapshot ", 0), 0u) << shown;
  EXPECT_EQ(shown.find("wal object(s), at seq"), std::string::npos) << shown;
  EXPECT_EQ(shown.find(" / "), std::string::npos) << shown;
  EXPECT_NE(shown.find("\napplied shipped journal records "), std::string::npos) << shown;
  EXPECT_EQ(WorkloadIds(dir_.Sub("restored")), (std::set<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace pb::integration
