// paymentsctl deploy over SSH (docs/remote-operations.md, "Deploy"), against
// a real sshd on 127.0.0.1 and hosts whose compose runs the real
// payments-backend (support/fake-compose): the order of the steps, the .env
// rewrite that changes one line only and never shows the secret, the reset
// that archives data/, the rollback after a failed step, the refusal of an
// unconfirmed reset before any connection, and several targets at once.
#include <sys/stat.h>

#include <iostream>
#include <string>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

using RemoteDeploy = RemoteTest;

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
  EXPECT_LT(r.elapsed, std::chrono::seconds(5)) << r.Describe();
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
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> credits = PostCredits(host->port(), "before-reset", 5);
  ASSERT_EQ(credits.size(), 5u);
  auto ids_before = JournalWorkloadIds(host->data());
  ASSERT_TRUE(ids_before.ok());
  struct stat data_before {};
  ASSERT_EQ(::stat(host->data().c_str(), &data_before), 0);
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();

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
  EXPECT_EQ(archived_st.st_ino, data_before.st_ino) << "the data directory was copied, not renamed";
  auto ids_archived = JournalWorkloadIds(archived);
  ASSERT_TRUE(ids_archived.ok()) << ids_archived.status().ToString();
  EXPECT_EQ(*ids_archived, *ids_before);
  for (const std::string& id : credits) EXPECT_TRUE(ids_archived->count(id)) << id;
  std::cout << "[ reset    ] archived as backups/" << archives[0] << "/data\n";

  // A new data/ with audit/ owned like the old one, and a service on it.
  struct stat audit {};
  ASSERT_EQ(::stat((host->data() + "/audit").c_str(), &audit), 0);
  EXPECT_TRUE(S_ISDIR(audit.st_mode));
  EXPECT_EQ(audit.st_uid, data_before.st_uid);
  EXPECT_EQ(audit.st_gid, data_before.st_gid);
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
  EXPECT_LT(r.elapsed, std::chrono::seconds(45)) << r.Describe();
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
  EXPECT_TRUE(report["web"].rolled_back);
}

TEST_F(RemoteDeploy, FailedDeployWithResetPutsTheOriginalDataBack) {
  TestHost* host = RunningHost("web");
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> credits = PostCredits(host->port(), "before-broken-reset", 10);
  ASSERT_EQ(credits.size(), 10u);
  auto ids_before = JournalWorkloadIds(host->data());
  ASSERT_TRUE(ids_before.ok());
  struct stat data_before {};
  ASSERT_EQ(::stat(host->data().c_str(), &data_before), 0);
  WriteInventoryFile({TargetOf("web", *host)});
  const size_t log_before = host->ComposeLog().size();

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
  EXPECT_EQ(data_after.st_ino, data_before.st_ino) << "data/ is not the original directory";
  auto ids_after = JournalWorkloadIds(host->data());
  ASSERT_TRUE(ids_after.ok());
  for (const std::string& id : *ids_before) EXPECT_TRUE(ids_after->count(id)) << id << " is gone";
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

  // In parallel: two health waits that each run out take about one timeout,
  // not two.
  constexpr int kTimeout = 6;
  ChildResult broken = Deploy("pair", {"--image", "payments-backend:broken-5", "--timeout-seconds",
                                       std::to_string(kTimeout)});
  EXPECT_EQ(broken.exit_code, 1) << broken.Describe();
  EXPECT_LT(broken.elapsed, std::chrono::seconds(2 * kTimeout))
      << "the two targets did not run in parallel\n"
      << broken.Describe();
  for (TestHost* h : {a, b}) {
    EXPECT_EQ(ReadFileOrEmpty(h->env_file()), WithImage(h->initial_env(), "payments-backend:good-4")) << h->path();
    EXPECT_TRUE(h->Healthy()) << h->path();
  }
  std::cout << "[ parallel ] two targets, each waiting " << kTimeout << " s for health: " << broken.elapsed.count()
            << " ms\n";
}

}  // namespace
}  // namespace pb::integration
