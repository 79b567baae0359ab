// paymentsctl deploy over SSH (docs/remote-operations.md, "Deploy"), against
// a real sshd on 127.0.0.1 and hosts whose compose runs the real
// payments-backend (support/fake-compose): the order of the steps, the .env
// rewrite that changes one line only and never shows the secret, the reset
// that archives data/, the rollback after a failed step, the refusal of an
// unconfirmed reset before any connection, and several targets at once.
#include <sys/stat.h>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

class RemoteDeploy : public RemoteTest {
 protected:
  // A running host "web" in the inventory with `n` credits made: what a reset
  // test compares the host with afterwards.
  struct BeforeReset {
    TestHost* host = nullptr;
    std::vector<std::string> credits;
    std::set<std::string> journal_ids;
    struct stat data {};
    size_t compose_log_size = 0;
  };

  // Fills `out`; fails the test (use ASSERT_NO_FATAL_FAILURE) when the host
  // cannot be prepared.
  void PrepareReset(const std::string& prefix, int n, BeforeReset* out) {
    out->host = RunningHost("web");
    ASSERT_NE(out->host, nullptr);
    out->credits = PostCredits(out->host->port(), prefix, n);
    ASSERT_EQ(out->credits.size(), static_cast<size_t>(n));
    auto ids = JournalWorkloadIds(out->host->data());
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    out->journal_ids = *ids;
    ASSERT_EQ(::stat(out->host->data().c_str(), &out->data), 0);
    WriteInventoryFile({TargetOf("web", *out->host)});
    out->compose_log_size = out->host->ComposeLog().size();
  }
};

// `env` with its PAYMENTS_IMAGE= line replaced by `image`.
std::string WithImage(const std::string& env, const std::string& image) {
  const std::string key = "\nPAYMENTS_IMAGE=";
  size_t at = env.find(key);
  if (at == std::string::npos) return env;
  size_t end = env.find('\n', at + 1);
  return env.substr(0, at) + key + image + env.substr(end);
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// True when `names` holds `expected` in this order (other steps may come in
// between).
bool InOrder(const std::vector<std::string>& names, const std::vector<std::string>& expected) {
  size_t next = 0;
  for (const std::string& n : names) {
    if (next < expected.size() && n == expected[next]) ++next;
  }
  return next == expected.size();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

TEST_F(RemoteDeploy, ResetWithoutConfirmationIsRefusedBeforeAnyConnection) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(WriteFileAtomic(host->data() + "/precious", "do not move me\n"));
  WriteInventoryFile({TargetOf("web", *host)});
  const int connections_before = sshd().Connections();

  ChildResult r = Deploy("web", {"--reset-data", "--image", "payments-backend:good-2"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--yes-really-reset-data"), std::string::npos)
      << "the refusal does not say how to confirm\n"
      << r.Describe();
  EXPECT_EQ(sshd().Connections(), connections_before) << "deploy connected before refusing:\n" << sshd().Log();
  EXPECT_TRUE(sshd().Commands().empty());
  EXPECT_TRUE(host->ComposeLog().empty());
  EXPECT_EQ(ReadFileOrEmpty(host->data() + "/precious"), "do not move me\n");
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  EXPECT_FALSE(FileExists(host->path() + "/backups"));
  EXPECT_FALSE(FileExists(Repo()));
}

TEST_F(RemoteDeploy, DeployBacksUpThenChangesOnlyTheImageLineAndEndsHealthy) {
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> credits = PostCredits(host->port(), "before-deploy", 20);
  ASSERT_EQ(credits.size(), 20u);
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();
  const pid_t old_pid = host->ServicePid();
  const int connections_before = sshd().Connections();

  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--backup-out", Repo(), "--staging-dir",
                                 Staging(), "--backup-include-env", "--expect-openapi-path", "/health",
                                 "--timeout-seconds", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  // One master connection carried every command and the rsync pull, and it
  // was closed at the end.
  EXPECT_EQ(sshd().Connections(), connections_before + 1) << sshd().Log();
  PB_ASSERT_OK(sshd().WaitForSessionsToEnd(std::chrono::seconds(5)));

  // The host: pull, then up, with the new image; one line of .env changed.
  const std::vector<std::string> log = host->ComposeLog();
  ASSERT_GE(log.size(), log_before);
  EXPECT_EQ(std::vector<std::string>(log.begin() + static_cast<long>(log_before), log.end()),
            (std::vector<std::string>{"pull image=payments-backend:good-2", "up -d image=payments-backend:good-2"}));
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), WithImage(host->initial_env(), "payments-backend:good-2"));
  EXPECT_EQ(ModeOf(host->env_file()), 0640u) << ".env lost its mode";
  for (const std::string& entry : DirEntries(host->path())) {
    EXPECT_TRUE(entry.find(".env") != 0 || entry == ".env") << "a temporary .env was left behind: " << entry;
  }
  EXPECT_TRUE(host->Healthy());
  EXPECT_NE(host->ServicePid(), old_pid) << "the service was not recreated with the new image";
  EXPECT_TRUE(MissingWorkloads(host->port(), credits).empty());

  // The secret was neither printed nor put on a command line.
  EXPECT_EQ(r.out.find(host->secret()), std::string::npos) << "stdout shows the secret";
  EXPECT_EQ(r.err.find(host->secret()), std::string::npos) << "stderr shows the secret";
  for (const std::string& command : sshd().Commands()) {
    EXPECT_EQ(command.find(host->secret()), std::string::npos) << "the secret travelled in a command line";
    EXPECT_EQ(command.find("PAYMENTS_API_ADMIN_TOKEN"), std::string::npos) << command;
  }

  // The report: the steps in the contract's order, and a snapshot.
  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  const TargetReport& web = report["web"];
  EXPECT_TRUE(web.ok);
  EXPECT_TRUE(InOrder(web.StepNames(), {"check", "backup", "image", "pull", "up", "health"}))
      << Join(web.StepNames());
  for (const StepReport& s : web.steps) EXPECT_TRUE(s.ok) << s.step << ": " << s.detail;
  EXPECT_FALSE(web.snapshot_id.empty()) << r.out;

  // The repository was created and holds the snapshot of the target.
  ChildResult snapshots = Ctl({"snapshots", "--repo", Repo(), "--json"}, false);
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.Describe();
  EXPECT_NE(snapshots.out.find("\"host\":\"web\""), std::string::npos) << snapshots.out;
  EXPECT_NE(snapshots.out.find(web.snapshot_id.substr(0, 8)), std::string::npos) << snapshots.out;
  EXPECT_NE(snapshots.out.find(JsonQuote(host->data())), std::string::npos) << snapshots.out;
  EXPECT_NE(snapshots.out.find("\"include_env\":true"), std::string::npos) << "--backup-include-env was ignored\n"
                                                                            << snapshots.out;
}

TEST_F(RemoteDeploy, ImageLineIsAddedWhenEnvHasNone) {
  TestHost* host = RunningHost("web", 50);
  ASSERT_NE(host, nullptr);
  const std::string env = "# no image line yet\nPAYMENTS_API_ADMIN_TOKEN=" + host->secret() + "\nOTHER=1\n";
  PB_ASSERT_OK(WriteFileAtomic(host->env_file(), env));
  WriteInventoryFile({TargetOf("web", *host)});
  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--timeout-seconds", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), env + "PAYMENTS_IMAGE=payments-backend:good-2\n");
  EXPECT_EQ((r.out + r.err).find(host->secret()), std::string::npos);
  EXPECT_TRUE(host->Healthy());
}

// --expect-openapi-path: a path the service does not list fails the health
// step, and the deploy is rolled back.
TEST_F(RemoteDeploy, MissingOpenApiPathFailsTheHealthStep) {
  TestHost* host = RunningHost("web", 50);
  ASSERT_NE(host, nullptr);
  WriteInventoryFile({TargetOf("web", *host)});
  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--expect-openapi-path", "/api/no-such-route",
                                 "--timeout-seconds", "4"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.Describe();
  EXPECT_EQ(report["web"].failed_step, "health");
  EXPECT_NE(report["web"].error.find("/api/no-such-route"), std::string::npos) << report["web"].error;
  EXPECT_TRUE(report["web"].rolled_back);
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  EXPECT_TRUE(host->Healthy());
}

TEST_F(RemoteDeploy, ResetArchivesTheOldDataAndStartsOnEmptyData) {
  BeforeReset before;
  ASSERT_NO_FATAL_FAILURE(PrepareReset("before-reset", 5, &before));
  TestHost* host = before.host;
  const std::vector<std::string>& credits = before.credits;
  const size_t log_before = before.compose_log_size;

  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--reset-data", "--yes-really-reset-data",
                                 "--timeout-seconds", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  EXPECT_EQ(ComposeCommands(*host, log_before), (std::vector<std::string>{"down", "pull", "up -d"}))
      << Join(host->ComposeLog());

  // The old data/ was renamed, whole, to backups/<UTC time>/data.
  std::vector<std::string> archives = Archives(*host);
  ASSERT_EQ(archives.size(), 1u) << Join(archives);
  const std::string archived = host->path() + "/backups/" + archives[0] + "/data";
  struct stat archived_st {};
  ASSERT_EQ(::stat(archived.c_str(), &archived_st), 0) << archived;
  EXPECT_EQ(archived_st.st_ino, before.data.st_ino) << "the data directory was copied, not renamed";
  auto ids_archived = JournalWorkloadIds(archived);
  ASSERT_TRUE(ids_archived.ok()) << ids_archived.status().ToString();
  EXPECT_EQ(*ids_archived, before.journal_ids);
  for (const std::string& id : credits) EXPECT_TRUE(ids_archived->count(id)) << id;
  std::cout << "[ reset    ] archived as backups/" << archives[0] << "/data\n";

  // A new data/ with audit/ owned like the old one, and a service on it.
  struct stat audit {};
  ASSERT_EQ(::stat((host->data() + "/audit").c_str(), &audit), 0);
  EXPECT_TRUE(S_ISDIR(audit.st_mode));
  EXPECT_EQ(audit.st_uid, before.data.st_uid);
  EXPECT_EQ(audit.st_gid, before.data.st_gid);
  EXPECT_TRUE(host->Healthy());
  EXPECT_EQ(MissingWorkloads(host->port(), credits).size(), credits.size()) << "the new service still has old data";
  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  EXPECT_TRUE(InOrder(report["web"].StepNames(), {"check", "reset", "image", "pull", "up", "health"}))
      << Join(report["web"].StepNames());
}

// A failed pull (before anything was started): .env back, the old stack up.
TEST_F(RemoteDeploy, FailedPullRollsBackTheImage) {
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();

  ChildResult r = Deploy("web", {"--image", "payments-backend:unpullable-4", "--timeout-seconds", "10"}, false);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("pull"), std::string::npos) << r.Describe();
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  std::vector<std::string> log = host->ComposeLog();
  ASSERT_GT(log.size(), log_before);
  EXPECT_EQ(log[log_before], "pull image=payments-backend:unpullable-4");
  EXPECT_EQ(log.back(), std::string("up -d image=") + TestHost::kImage) << Join(log);
  EXPECT_TRUE(host->Healthy());
  // The summary says which step failed, what was rolled back and that the stack is healthy.
  std::vector<std::string> summary = LinesStartingWith(r.out + r.err, "web: FAILED at pull");
  ASSERT_EQ(summary.size(), 1u) << r.Describe();
  EXPECT_NE(summary[0].find("rolled back"), std::string::npos) << summary[0];
  EXPECT_NE(summary[0].find("healthy"), std::string::npos) << summary[0];
  EXPECT_EQ(summary[0].find("NOT healthy"), std::string::npos) << summary[0];
}

TEST_F(RemoteDeploy, ImageThatNeverBecomesHealthyIsRolledBack) {
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> credits = PostCredits(host->port(), "before-broken", 5);
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();

  ChildResult r = Deploy("web", {"--image", "payments-backend:broken-3", "--timeout-seconds", "5"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("health"), std::string::npos) << "the failed step is not named\n" << r.Describe();
  EXPECT_NE(r.err.find("roll"), std::string::npos) << "the rollback is not mentioned\n" << r.Describe();

  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env()) << ".env is not byte-identical";
  EXPECT_EQ(ModeOf(host->env_file()), 0640u);
  EXPECT_EQ(ComposeCommands(*host, log_before), (std::vector<std::string>{"pull", "up -d", "down", "up -d"}))
      << Join(host->ComposeLog());
  EXPECT_EQ(host->ComposeLog().back(), std::string("up -d image=") + TestHost::kImage);
  EXPECT_TRUE(host->Healthy()) << host->ServiceLogTail();
  EXPECT_TRUE(MissingWorkloads(host->port(), credits).empty());

  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  EXPECT_FALSE(report["web"].ok);
  EXPECT_EQ(report["web"].failed_step, "health");
  // The wait ended because --timeout-seconds ran out, and says so.
  EXPECT_NE(report["web"].error.find("not healthy within 5 s"), std::string::npos) << report["web"].error;
  EXPECT_TRUE(report["web"].rolled_back);
}

TEST_F(RemoteDeploy, FailedDeployWithResetPutsTheOriginalDataBack) {
  BeforeReset before;
  ASSERT_NO_FATAL_FAILURE(PrepareReset("before-broken-reset", 10, &before));
  TestHost* host = before.host;
  const std::vector<std::string>& credits = before.credits;
  const size_t log_before = before.compose_log_size;

  ChildResult r = Deploy("web", {"--image", "payments-backend:broken-3", "--timeout-seconds", "5", "--reset-data",
                                 "--yes-really-reset-data"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("health"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("roll"), std::string::npos) << r.Describe();

  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  EXPECT_EQ(ComposeCommands(*host, log_before),
            (std::vector<std::string>{"down", "pull", "up -d", "down", "up -d"}))
      << Join(host->ComposeLog());
  // data/ is the original directory again; the failed deploy's data is kept aside.
  struct stat data_after {};
  ASSERT_EQ(::stat(host->data().c_str(), &data_after), 0);
  EXPECT_EQ(data_after.st_ino, before.data.st_ino) << "data/ is not the original directory";
  auto ids_after = JournalWorkloadIds(host->data());
  ASSERT_TRUE(ids_after.ok());
  for (const std::string& id : before.journal_ids) EXPECT_TRUE(ids_after->count(id)) << id << " is gone";
  // (the reset and the rollback may name different UTC times).
  int failed_deploys = 0;
  for (const std::string& archive : Archives(*host)) {
    const std::string dir = host->path() + "/backups/" + archive;
    failed_deploys += FileExists(dir + "/data.failed-deploy");
    EXPECT_FALSE(FileExists(dir + "/data")) << "the archived data was not moved back: " << dir;
  }
  EXPECT_EQ(failed_deploys, 1) << Join(Archives(*host));

  EXPECT_TRUE(host->Healthy()) << host->ServiceLogTail();
  EXPECT_TRUE(MissingWorkloads(host->port(), credits).empty()) << "credits made before the deploy are missing";
  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  EXPECT_EQ(report["web"].failed_step, "health");
  EXPECT_TRUE(report["web"].rolled_back);
}

// A backup that cannot be made stops the deploy before the host changes:
// a repository with another password, and a staging directory that cannot
// be created (the fetch fails after connecting).
TEST_F(RemoteDeploy, FailedBackupStopsTheDeployBeforeTheHostChanges) {
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  ChildResult init = RunChild(CtlArgv({"init", "--repo", Repo()}), CtlEnv("another password"), std::chrono::seconds(60));
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();

  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--backup-out", Repo(), "--staging-dir",
                                 Staging(), "--reset-data", "--yes-really-reset-data"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("password"), std::string::npos) << r.Describe();

  PB_ASSERT_OK(WriteFileAtomic(Sub("not-a-directory"), "a file\n"));
  ChildResult fetch = Deploy("web", {"--image", "payments-backend:good-2", "--backup-out", Sub("repo2"),
                                     "--staging-dir", Sub("not-a-directory/staging"), "--reset-data",
                                     "--yes-really-reset-data"});
  EXPECT_EQ(fetch.exit_code, 1) << fetch.Describe();
  auto report = ParseTargets(fetch.out);
  ASSERT_TRUE(report.count("web")) << fetch.Describe();
  EXPECT_TRUE(report["web"].failed_step == "fetch" || report["web"].failed_step == "backup")
      << report["web"].failed_step;
  EXPECT_FALSE(report["web"].rolled_back) << "nothing should have needed a rollback";

  EXPECT_EQ(host->ComposeLog().size(), log_before) << "compose ran after a failed backup";
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  EXPECT_FALSE(FileExists(host->path() + "/backups"));
  EXPECT_TRUE(host->Healthy());
}

TEST_F(RemoteDeploy, SeveralTargetsDeployInParallelAndOneFailureDoesNotStopTheOthers) {
  TestHost* a = RunningHost("a", 100);
  TestHost* b = RunningHost("b", 100);
  ASSERT_TRUE(a && b);
  InventoryTarget gamma = TargetOf("gamma", *a);
  gamma.remote_path = Sub("hosts/not-there");
  WriteInventoryFile({TargetOf("alpha", *a), TargetOf("beta", *b), gamma},
                     {{"pair", {"alpha", "beta"}}, {"all", {"alpha", "beta", "gamma"}}});

  // A --json report, or the summary lines of a run without --json.
  auto expect_deployed = [&](const ChildResult& r, const std::string& image, const std::vector<std::string>& ok,
                             bool json) {
    auto report = ParseTargets(r.out);
    for (const std::string& name : ok) {
      if (json) {
        ASSERT_TRUE(report.count(name)) << name << "\n" << r.Describe();
        EXPECT_TRUE(report[name].ok) << name << ": " << report[name].error;
      } else {
        EXPECT_EQ(LinesStartingWith(r.out + r.err, name + ": ok").size(), 1u) << name << "\n" << r.Describe();
      }
    }
    for (TestHost* h : {a, b}) {
      EXPECT_EQ(ReadFileOrEmpty(h->env_file()), WithImage(h->initial_env(), image)) << h->path();
      EXPECT_TRUE(h->Healthy()) << h->path();
    }
  };

  ChildResult both = Deploy("alpha,beta", {"--image", "payments-backend:good-2", "--timeout-seconds", "30"});
  EXPECT_EQ(both.exit_code, 0) << both.Describe();
  EXPECT_EQ(ParseTargets(both.out).size(), 2u) << both.out;
  expect_deployed(both, "payments-backend:good-2", {"alpha", "beta"}, true);

  ChildResult group = Deploy("pair", {"--image", "payments-backend:good-3", "--timeout-seconds", "30"}, false);
  EXPECT_EQ(group.exit_code, 0) << group.Describe();
  expect_deployed(group, "payments-backend:good-3", {"alpha", "beta"}, false);

  ChildResult all = Deploy("all", {"--image", "payments-backend:good-4", "--timeout-seconds", "30"}, false);
  EXPECT_EQ(all.exit_code, 1) << all.Describe();
  expect_deployed(all, "payments-backend:good-4", {"alpha", "beta"}, false);
  EXPECT_EQ(LinesStartingWith(all.out + all.err, "gamma: FAILED at check").size(), 1u) << all.Describe();

  // In parallel: the two targets' health waits, which each run out, overlap in
  // the report's own step times (the same clock for both targets).
  constexpr int kTimeout = 6;
  ChildResult broken = Deploy("pair", {"--image", "payments-backend:broken-5", "--timeout-seconds",
                                       std::to_string(kTimeout)});
  EXPECT_EQ(broken.exit_code, 1) << broken.Describe();
  auto report = ParseTargets(broken.out);
  ASSERT_TRUE(report.count("alpha") && report.count("beta")) << broken.Describe();
  const StepReport* ha = report["alpha"].Find("health");
  const StepReport* hb = report["beta"].Find("health");
  ASSERT_TRUE(ha && hb) << broken.out;
  EXPECT_FALSE(ha->ok);
  EXPECT_FALSE(hb->ok);
  ASSERT_GE(ha->start_seconds, 0) << broken.out;
  ASSERT_GE(hb->start_seconds, 0) << broken.out;
  EXPECT_TRUE(ha->start_seconds < hb->end_seconds && hb->start_seconds < ha->end_seconds)
      << "the two targets' health waits did not overlap: alpha " << ha->start_seconds << "-" << ha->end_seconds
      << " s, beta " << hb->start_seconds << "-" << hb->end_seconds << " s\n"
      << broken.out;
  for (TestHost* h : {a, b}) {
    EXPECT_EQ(ReadFileOrEmpty(h->env_file()), WithImage(h->initial_env(), "payments-backend:good-4")) << h->path();
    EXPECT_TRUE(h->Healthy()) << h->path();
  }
}


// A host whose login shell is slow and chatty (~/.bashrc prints on stdout,
// on stderr, a line without newline, and sleeps 1 s): deploy with a backup,
// backup and restore with --inventory give the same results and reports as on
// a quiet host, and nothing the start-up file printed lands in .env, in the
// pulled data or in a parsed answer. The remote commands each step runs are
// the same number on both hosts.
TEST_F(RemoteDeploy, AChattySlowLoginShellChangesNoResultNorReport) {
  TestHost* host = RunningHost("web", 100);
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> credits = PostCredits(host->port(), "chatty", 10);
  ASSERT_EQ(credits.size(), 10u);
  WriteInventoryFile({TargetOf("web", *host)});
  auto deploy = [&](const std::string& image) {
    return Deploy("web", {"--image", image, "--backup-out", Repo(), "--staging-dir", Staging(), "--backup-include-env",
                          "--expect-openapi-path", "/health", "--timeout-seconds", "30"});
  };

  ChildResult quiet = deploy("payments-backend:good-2");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.Describe();

  const std::string noise = "Welcome to the payments host";
  PB_ASSERT_OK(WriteFileAtomic(sshd().home() + "/.bashrc", "echo '" + noise +
                                                             "'\n"
                                                             "echo 'a warning on stderr' >&2\n"
                                                             "printf 'no newline at the end'\n"
                                                             "sleep 1\n"));
  ChildResult probe = RunChild(sshd().SshArgv("echo hi"), {}, std::chrono::seconds(20));
  ASSERT_NE(probe.out.find(noise), std::string::npos) << "the start-up file does not run:\n" << probe.Describe();

  ChildResult chatty = deploy("payments-backend:good-3");
  ASSERT_EQ(chatty.exit_code, 0) << chatty.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), WithImage(host->initial_env(), "payments-backend:good-3"))
      << ".env took in what the start-up file printed";
  EXPECT_TRUE(host->Healthy());
  EXPECT_TRUE(MissingWorkloads(host->port(), credits).empty());

  auto q = ParseTargets(quiet.out)["web"];
  auto c = ParseTargets(chatty.out)["web"];
  EXPECT_TRUE(q.ok && c.ok) << quiet.out << "\n" << chatty.out;
  ASSERT_EQ(q.StepNames(), c.StepNames()) << Join(q.StepNames()) << " vs " << Join(c.StepNames());
  std::string counts;
  for (size_t i = 0; i < q.steps.size(); ++i) {
    const StepReport& qs = q.steps[i];
    const StepReport& cs = c.steps[i];
    EXPECT_EQ(qs.ok, cs.ok) << qs.step;
    EXPECT_EQ(cs.detail.find(noise), std::string::npos) << cs.step << ": " << cs.detail;
    // fetch may pull the checkpoint group again if a checkpoint was being
    // published meanwhile; every other step's count is fixed.
    if (qs.step != "fetch") {
      EXPECT_EQ(qs.remote_commands, cs.remote_commands) << qs.step;
    }
    counts += " " + qs.step + "=" + std::to_string(cs.remote_commands);
  }
  for (const char* step : {"check", "image", "pull", "up", "health"}) {
    const StepReport* s = c.Find(step);
    ASSERT_NE(s, nullptr) << step;
    EXPECT_EQ(s->remote_commands, 1) << step;
  }
  ASSERT_NE(c.Find("backup"), nullptr);
  EXPECT_EQ(c.Find("backup")->remote_commands, 0) << "the .env read by the check step was read again";
  std::cout << "[ round trips ] remote commands per deploy step:" << counts << "\n";

  // Backup and restore with --inventory on the chatty host.
  ChildResult backup = RemoteBackup("web");
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  auto ids = JournalWorkloadIds(StagedData());
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  for (const std::string& id : credits) EXPECT_TRUE(ids->count(id)) << id;
  ChildResult restore = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory",
                             InventoryFile(), "--target", "web", "--timeout-seconds", "30", "--json"});
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  EXPECT_TRUE(ParseTargets(restore.out)["web"].ok) << restore.out;
  EXPECT_TRUE(host->Healthy());
  EXPECT_TRUE(MissingWorkloads(host->port(), credits).empty());
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), WithImage(host->initial_env(), "payments-backend:good-3"));
}

}  // namespace
}  // namespace pb::integration
