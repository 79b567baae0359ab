// Issue 17, a CLI that behaves the same in every command (README "Output
// and exit codes"): an unknown command or option is named first, with the
// nearest name; usage errors exit 2, failures 1; with --json every report
// and every error is one JSON object on stdout whose "ok" comes first, with
// the same names everywhere (lists as lists, modes as octal strings);
// PAYMENTS_REPO is read like --repo; -q and -v; --help states the real
// default of --wal; payments-backend names its own flags.
#include <simdjson.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

class CliConsistency : public BackupTest {
 protected:
  // paymentsctl `args` as typed: no --repo added; `env` extra variables.
  ChildResult Typed(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) const {
    ChildOptions options = CtlEnv();
    options.set_env.insert(options.set_env.end(), env.begin(), env.end());
    return RunChild(CtlArgv(args), options, std::chrono::seconds(60));
  }

  // The first member of the JSON object `out` is "ok" (the envelope every
  // --json report and error has), and the document parses.
  static void ExpectOkFirst(const ChildResult& r) {
    EXPECT_EQ(r.out.rfind("{\"ok\":", 0), 0u) << r.Describe();
    EXPECT_TRUE(JsonDoc(r.out).ok()) << r.Describe();
  }
};

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The "kind" of the "error" member of a --json document, or "".
std::string ErrorKind(const std::string& json) {
  JsonDoc doc(json);
  std::string_view kind;
  if (!doc.ok() || doc.root()["error"]["kind"].get_string().get(kind) != simdjson::SUCCESS) return "";
  return std::string(kind);
}

TEST_F(CliConsistency, AnUnknownCommandIsNamedWithTheNearestOne) {
  ChildResult r = Typed({"backupp"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "unknown command backupp; did you mean backup?")) << r.Describe();

  ChildResult nested = Typed({"key", "lst", "--repo", Repo()});
  EXPECT_EQ(nested.exit_code, 2) << nested.Describe();
  EXPECT_TRUE(Contains(nested.err, "unknown command key lst; did you mean key list?")) << nested.Describe();

  ChildResult none = Typed({});
  EXPECT_EQ(none.exit_code, 2) << none.Describe();
  EXPECT_TRUE(Contains(none.err, "give a command: verify, init, backup")) << none.Describe();
}

TEST_F(CliConsistency, AnUnknownOptionIsNamedBeforeAMissingRepo) {
  ChildResult r = Typed({"backup", "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "--bogus is not an option of backup")) << r.Describe();
  EXPECT_FALSE(Contains(r.err, "--repo is required")) << r.Describe();

  ChildResult typo = Typed({"check", "--read-dta", "--repo", Repo()});
  EXPECT_EQ(typo.exit_code, 2) << typo.Describe();
  EXPECT_TRUE(Contains(typo.err, "--read-dta is not an option of check; did you mean --read-data?")) << typo.Describe();
}

TEST_F(CliConsistency, UsageErrorsExitTwoAndNothingIsDone) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"backup", "--data-dir", Sub("data")},                      // no --repo
        std::vector<std::string>{"backup", "--repo", Repo(), "--mode", "partial"},          // a bad value
        std::vector<std::string>{"restore", "--repo", Repo(), "latest"},                    // --to or --inventory
        std::vector<std::string>{"restore", "--repo", Repo(), "latest", "--to", Sub("r"),  // not a time
                                 "--at", "yesterday"},
        std::vector<std::string>{"restore", "--repo", Repo(), "latest", "--to", Sub("r"), "--wal", "--no-wal"},
        std::vector<std::string>{"snapshots", "--repo", Repo(), "-q", "-v"}}) {
    ChildResult r = Typed(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args.back() << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.err, "usage: ")) << r.Describe();
  }
  EXPECT_FALSE(std::filesystem::exists(Repo())) << "a usage error created something";
  EXPECT_FALSE(std::filesystem::exists(Sub("r")));
}

TEST_F(CliConsistency, JsonErrorsAreJsonObjectsOnStdoutWithTheExitCode) {
  ChildResult missing = Typed({"snapshots", "--repo", Sub("no-such-repo"), "--json"});
  EXPECT_EQ(missing.exit_code, 1) << missing.Describe();
  ExpectOkFirst(missing);
  JsonDoc doc(missing.out);
  EXPECT_FALSE(doc.Bool("ok"));
  EXPECT_EQ(ErrorKind(missing.out), "not_found") << missing.out;
  EXPECT_TRUE(Contains(missing.out, "no-such-repo")) << missing.out;

  ChildResult usage = Typed({"backup", "--json", "--bogus"});
  EXPECT_EQ(usage.exit_code, 2) << usage.Describe();
  ExpectOkFirst(usage);
  EXPECT_EQ(ErrorKind(usage.out), "usage") << usage.out;
}

TEST_F(CliConsistency, EveryJsonReportHasOkFirstAndListsAsLists) {
  ChildResult init = Ctl({"init", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  ExpectOkFirst(init);
  ASSERT_TRUE(MakeJournalDataDir(Sub("data"), 20).ok());
  ASSERT_EQ(::chmod(Sub("data/journal").c_str(), 0750), 0);
  const std::string id = BackupId(Sub("data"));
  ASSERT_FALSE(id.empty());

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"snapshots", "--json"}, std::vector<std::string>{"ls", "latest", "--json"},
        std::vector<std::string>{"check", "--json"}, std::vector<std::string>{"key", "list", "--json"},
        std::vector<std::string>{"unlock", "--json"}, std::vector<std::string>{"repair", "--dry-run", "--json"}}) {
    ChildResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.Describe();
    ExpectOkFirst(r);
    EXPECT_TRUE(JsonDoc(r.out).Bool("ok")) << r.out;
  }
  EXPECT_EQ(JsonDoc(Ctl({"snapshots", "--json"}).out).Strings("snapshots", "id"), std::vector<std::string>{id});
  EXPECT_EQ(JsonDoc(Ctl({"key", "list", "--json"}).out).Strings("keys", "id").size(), 1u);

  // ls: modes as octal strings, as `ls` and `stat -c %a` show them.
  JsonDoc ls(Ctl({"ls", "latest", "--json"}).out);
  simdjson::dom::array entries;
  ASSERT_EQ(ls.root()["entries"].get_array().get(entries), simdjson::SUCCESS);
  bool saw_journal = false;
  for (auto e : entries) {
    std::string_view path, mode;
    ASSERT_EQ(e["path"].get_string().get(path), simdjson::SUCCESS);
    ASSERT_EQ(e["mode"].get_string().get(mode), simdjson::SUCCESS) << "mode is not a string";
    EXPECT_EQ(mode.size(), 4u) << mode;
    if (path == "/journal") {
      saw_journal = true;
      EXPECT_EQ(mode, "0750");
    }
  }
  EXPECT_TRUE(saw_journal);

  ChildResult verify = Typed({"verify", "--data-dir", Sub("empty"), "--json"});
  EXPECT_EQ(verify.exit_code, 1) << verify.Describe();
  ExpectOkFirst(verify);
  simdjson::dom::array problems;
  ASSERT_EQ(JsonDoc(verify.out).root()["problems"].get_array().get(problems), simdjson::SUCCESS) << verify.out;
  EXPECT_GT(problems.size(), 0u) << verify.out;
}

TEST_F(CliConsistency, PaymentsRepoIsReadLikeRepo) {
  InitRepo();
  ChildResult r = Typed({"snapshots", "--json"}, {"PAYMENTS_REPO=" + Repo()});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(JsonDoc(r.out).Bool("ok")) << r.out;

  ChildResult given = Typed({"snapshots", "--repo", Sub("no-such-repo")}, {"PAYMENTS_REPO=" + Repo()});
  EXPECT_EQ(given.exit_code, 1) << "--repo wins over PAYMENTS_REPO\n" << given.Describe();
}

TEST_F(CliConsistency, QuietAndVerboseChangeOnlyStderr) {
  InitRepo();
  ChildResult normal = Ctl({"snapshots"});
  ChildResult verbose = Ctl({"snapshots", "-v"});
  ChildResult quiet = Ctl({"snapshots", "--quiet"});
  for (const ChildResult* r : {&normal, &verbose, &quiet}) EXPECT_EQ(r->exit_code, 0) << r->Describe();
  EXPECT_EQ(verbose.out, normal.out);
  EXPECT_EQ(quiet.out, normal.out);
  EXPECT_TRUE(Contains(verbose.err, "paymentsctl snapshots: opened local directory " + Repo() +
                                        " with a shared read lock"))
      << verbose.Describe();
  EXPECT_FALSE(Contains(normal.err, "opened ")) << normal.Describe();

  // A backup's summary is a note: -q leaves it out, the snapshot id stays.
  ASSERT_TRUE(MakeJournalDataDir(Sub("data"), 20).ok());
  ChildResult summarized = Ctl({"backup", "--data-dir", Sub("data")});
  ChildResult silent = Ctl({"backup", "--data-dir", Sub("data"), "-q"});
  for (const ChildResult* r : {&summarized, &silent}) EXPECT_EQ(r->exit_code, 0) << r->Describe();
  EXPECT_TRUE(Contains(summarized.err, "files: ")) << summarized.Describe();
  EXPECT_EQ(silent.err, "") << silent.Describe();
  EXPECT_EQ(silent.out.size(), 65u) << "the snapshot id and a newline\n" << silent.Describe();
}

TEST_F(CliConsistency, HelpStatesTheRealDefaultOfWal) {
  ChildResult r = Typed({"restore", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(Contains(r.out, "{false}")) << "--help shows a default of false for --wal:\n" << r.out;
  EXPECT_TRUE(Contains(r.out, "(default: with latest or --at, not with a snapshot id")) << r.out;
  EXPECT_TRUE(Contains(r.out, "--no-wal")) << r.out;
}

TEST_F(CliConsistency, TheBackendNamesItsOwnPasswordFlag) {
  InitRepo();
  const std::vector<std::string> argv = {BinPath("payments-backend"), "--data-dir", Sub("data"), "--listen",
                                         "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--replicate-to", Repo()};
  ChildResult r = RunChild(argv, CtlEnv(""), std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "no repository password")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "give --repo-password-file FILE")) << r.Describe();
  EXPECT_FALSE(Contains(r.err, " --password-file")) << r.Describe();
  EXPECT_FALSE(Contains(r.err, "paymentsctl")) << r.Describe();

  ChildResult usage = RunChild({BinPath("payments-backend"), "--bogus"}, CtlEnv(""), std::chrono::seconds(30));
  EXPECT_EQ(usage.exit_code, 2) << usage.Describe();
}

}  // namespace
}  // namespace pb::integration
