// The inventory of paymentsctl's remote commands (docs/remote-operations.md,
// "Inventory"): a hostile value in any field is refused before anything runs
// (no connection to the host, no command on it, no file an injection would
// create), with the target and the field named; unknown targets, missing
// required fields and a remote_path that is not there are clear errors.
#include <string>
#include <utility>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

using RemoteInventory = RemoteTest;

constexpr const char* kTarget = "hostile-target";

struct HostileCase {
  std::string field;
  std::string raw;  // JSON text of the value
};

// Values a shell, ssh (options, ssh_config lines) or curl would interpret,
// for every field. `marker` is the file an injection would create.
std::vector<HostileCase> HostileCases(const std::string& marker) {
  const std::string touch = "touch " + marker;
  std::vector<std::string> injections = {
      "a b",                         // space
      "a'b",                         // single quote
      "a\"b",                        // double quote
      "$(" + touch + ")",            // command substitution
      "x;" + touch,                  // command separator
      "`" + touch + "`",             // backticks
      "x\n" + touch,                 // newline (a second shell line or ssh_config line)
      "x\nProxyCommand " + touch,    // an ssh_config line
      "-oProxyCommand=" + touch,     // an ssh option
      "x&&" + touch,                 // and-list
      "x|" + touch,                  // pipe
      "x\t" + touch,                 // tab
  };
  std::vector<HostileCase> cases;
  auto add = [&](const std::string& field, const std::string& text) { cases.push_back({field, JsonQuote(text)}); };
  for (const std::string& v : injections) {
    add("host", v);
    add("host", "127.0.0.1" + v);
    add("user", v);
    add("user", "root" + v);
    add("remote_path", "/srv/payments/" + v);
    if (v != "a b") add("compose", "docker compose " + v);  // "docker compose a b" is four valid words
    add("health_url", "http://127.0.0.1:8081/health" + v);
  }
  add("host", "-127.0.0.1");
  add("host", "");
  add("user", "-root");
  add("user", "Root");
  add("user", "a" + std::string(32, 'b'));  // 33 characters
  add("remote_path", "-rf");
  add("remote_path", "relative/path");
  add("remote_path", "/srv/../etc");
  add("remote_path", "/srv/payments/..");
  add("remote_path", "");
  add("compose", "docker  compose");  // two spaces
  add("compose", " docker compose");
  add("compose", "docker compose ");
  add("compose", "");
  add("health_url", "http://evil.example.net/health");
  add("health_url", "https://127.0.0.1:8081/health");
  add("health_url", "file:///etc/passwd");
  add("health_url", "-o" + marker);
  add("health_url", "http://127.0.0.1:8081/health?x=1");
  add("health_url", "http://127.0.0.1:8081@evil.example.net/health");
  add("health_url", "http://127.0.0.1/health");  // no port
  for (const std::string& raw : {std::string("\"22\""), JsonQuote("22; " + touch), std::string("0"),
                                 std::string("65536"), std::string("-22"), std::string("22.5"), std::string("true"),
                                 std::string("null"), std::string("[22]")}) {
    cases.push_back({"port", raw});
  }
  for (const char* field : {"host", "user", "remote_path", "compose", "health_url"}) {
    cases.push_back({field, "22"});                    // a number where a string belongs
    cases.push_back({field, "[\"127.0.0.1\"]"});       // an array
    cases.push_back({field, "{\"x\": \"y\"}"});        // an object
  }
  cases.push_back({"proxy_command", JsonQuote(touch)});  // an unknown field
  return cases;
}

TEST_F(RemoteInventory, HostileValueInAnyFieldIsRefusedNamingTheFieldAndNothingRuns) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  const std::string marker = Sub("pwned");
  const int connections_before = sshd().Connections();
  const std::vector<HostileCase> cases = HostileCases(marker);
  for (const HostileCase& c : cases) {
    SCOPED_TRACE("field " + c.field + " = " + c.raw);
    InventoryTarget t = TargetOf(kTarget, *host);
    t.raw[c.field] = c.raw;
    WriteInventoryFile({t});
    ChildResult r = Deploy(kTarget, {"--image", "payments-backend:good-2", "--timeout-seconds", "5"});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_FALSE(r.timed_out);
    const std::string said = r.out + r.err;
    EXPECT_TRUE(NamesWord(said, c.field)) << "the message does not name the field\n" << r.Describe();
    EXPECT_NE(said.find(kTarget), std::string::npos) << "the message does not name the target\n" << r.Describe();
    EXPECT_FALSE(FileExists(marker)) << "the injected command ran\n" << r.Describe();
    ::unlink(marker.c_str());
  }
  EXPECT_EQ(sshd().Connections(), connections_before) << "a hostile inventory reached the host:\n" << sshd().Log();
  EXPECT_TRUE(sshd().Commands().empty());
  EXPECT_TRUE(host->ComposeLog().empty());
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
}

// Target and group names become parts of local paths (the staging copy) and
// of messages: only plain words are names.
TEST_F(RemoteInventory, HostileTargetNamesAreRefused) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  const std::string marker = Sub("pwned");
  const int connections_before = sshd().Connections();
  for (const std::string& name : {std::string("../../escape"), std::string("a/b"), std::string("a b"),
                                  "$(touch " + marker + ")", std::string("-x"), std::string("a\nb"),
                                  std::string("a,b"), std::string("")}) {
    SCOPED_TRACE("target name " + JsonQuote(name));
    WriteInventoryFile({TargetOf(name, *host)});
    ChildResult r = RemoteBackup(name);
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_FALSE(FileExists(marker));
  }
  EXPECT_EQ(sshd().Connections(), connections_before) << sshd().Log();
  EXPECT_TRUE(DirEntries(Staging()).empty()) << "a staging directory was made for a hostile name";
  EXPECT_FALSE(FileExists(Sub("escape-")));
}

// Backup and restore read the same inventory: a hostile value stops them too.
TEST_F(RemoteInventory, HostileInventoryAlsoStopsBackupAndRestore) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  InitRepo();
  const std::string marker = Sub("pwned");
  const int connections_before = sshd().Connections();
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"host", "-oProxyCommand=touch " + marker},
           {"host", "127.0.0.1\nProxyCommand touch " + marker},
           {"remote_path", host->path() + "/$(touch " + marker + ")"},
           {"user", "root;touch " + marker}}) {
    SCOPED_TRACE(field + " = " + value);
    InventoryTarget t = TargetOf(kTarget, *host);
    t.raw[field] = JsonQuote(value);
    WriteInventoryFile({t});
    ChildResult backup = RemoteBackup(kTarget);
    EXPECT_NE(backup.exit_code, 0) << backup.Describe();
    EXPECT_TRUE(NamesWord(backup.out + backup.err, field)) << backup.Describe();
    ChildResult restore = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory", InventoryFile(), "--target",
                               kTarget, "--timeout-seconds", "5", "--json"});
    EXPECT_NE(restore.exit_code, 0) << restore.Describe();
    EXPECT_TRUE(NamesWord(restore.out + restore.err, field)) << restore.Describe();
    EXPECT_FALSE(FileExists(marker));
  }
  EXPECT_EQ(sshd().Connections(), connections_before) << sshd().Log();
  EXPECT_TRUE(sshd().Commands().empty());
  EXPECT_TRUE(DirEntries(Staging()).empty());
}

TEST_F(RemoteInventory, HostileImageNameIsRefusedAndTheHostIsUnchanged) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  WriteInventoryFile({TargetOf("web", *host)});
  const std::string marker = Sub("pwned");
  for (const std::string& image : std::vector<std::string>{
           "payments-backend:good-2\nPAYMENTS_API_ADMIN_TOKEN=stolen", "payments $(touch " + marker + ")",
        "payments;touch " + marker, "payments`touch " + marker + "`", "payments'x", "payments backend:1"}) {
    SCOPED_TRACE("image " + JsonQuote(image));
    ChildResult r = Deploy("web", {"--image", image, "--timeout-seconds", "5"});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_NE((r.out + r.err).find("image"), std::string::npos) << r.Describe();
    EXPECT_FALSE(FileExists(marker));
  }
  EXPECT_EQ(ReadFileOrEmpty(host->env_file()), host->initial_env());
  EXPECT_TRUE(host->ComposeLog().empty()) << "compose ran for a refused image";
}

// `--image ""` (say, an unset variable in a script) is not a request to keep
// the image: it is an invalid image name.
TEST_F(RemoteInventory, EmptyImageNameIsRefused) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  WriteInventoryFile({TargetOf("web", *host)});
  ChildResult r = Deploy("web", {"--image", "", "--timeout-seconds", "5"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE((r.out + r.err).find("image"), std::string::npos) << r.Describe();
  EXPECT_TRUE(host->ComposeLog().empty()) << "compose ran for an empty image name";
  EXPECT_TRUE(sshd().Commands().empty());
}

TEST_F(RemoteInventory, UnknownTargetIsRefusedWithTheKnownNames) {
  TestHost* a = AddHost("a");
  TestHost* b = AddHost("b");
  ASSERT_TRUE(a && b);
  WriteInventoryFile({TargetOf("alpha", *a), TargetOf("beta", *b)}, {{"everyone", {"alpha", "beta"}}});
  const int connections_before = sshd().Connections();
  for (const char* spec : {"nope", "alpha,nope", "everyone,nope"}) {
    SCOPED_TRACE(std::string("--target ") + spec);
    ChildResult r = Deploy(spec, {"--image", "payments-backend:good-2"});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    const std::string said = r.out + r.err;
    EXPECT_NE(said.find("nope"), std::string::npos) << r.Describe();
    for (const char* known : {"alpha", "beta", "everyone"}) {
      EXPECT_NE(said.find(known), std::string::npos) << "the known names are not listed\n" << r.Describe();
    }
  }
  EXPECT_EQ(sshd().Connections(), connections_before) << "an unknown target still connected somewhere";
  EXPECT_TRUE(a->ComposeLog().empty());
  EXPECT_EQ(ReadFileOrEmpty(a->env_file()), a->initial_env()) << "alpha was deployed although nope is unknown";
}

TEST_F(RemoteInventory, MissingRequiredFieldsAndGroupsOfUnknownTargetsAreRefused) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  const int connections_before = sshd().Connections();
  for (const char* field : {"host", "remote_path"}) {
    SCOPED_TRACE(std::string("without ") + field);
    InventoryTarget t = TargetOf("web", *host);
    t.raw[field] = std::nullopt;
    WriteInventoryFile({t});
    ChildResult r = Deploy("web", {"--image", "payments-backend:good-2"});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_TRUE(NamesWord(r.out + r.err, field)) << r.Describe();
    EXPECT_TRUE(NamesWord(r.out + r.err, "web")) << r.Describe();
  }
  // A group naming a target that does not exist.
  WriteInventoryFile({TargetOf("web", *host)}, {{"prod", {"web", "ghost"}}});
  ChildResult group = Deploy("web", {"--image", "payments-backend:good-2"});
  EXPECT_NE(group.exit_code, 0) << group.Describe();
  EXPECT_NE((group.out + group.err).find("ghost"), std::string::npos) << group.Describe();
  // Not an inventory at all.
  ASSERT_TRUE(WriteFileAtomic(InventoryFile(), "[\"web\"]\n").ok());
  ChildResult not_object = Deploy("web", {"--image", "payments-backend:good-2"});
  EXPECT_NE(not_object.exit_code, 0) << not_object.Describe();
  ChildResult missing_file = Ctl({"deploy", "--inventory", Sub("no-such-inventory.json"), "--target", "web"});
  EXPECT_NE(missing_file.exit_code, 0) << missing_file.Describe();
  EXPECT_NE((missing_file.out + missing_file.err).find("no-such-inventory.json"), std::string::npos)
      << missing_file.Describe();

  EXPECT_EQ(sshd().Connections(), connections_before);
  EXPECT_TRUE(host->ComposeLog().empty());
}

// A valid remote_path that is not a directory on the host: the check step
// fails, nothing else runs.
TEST_F(RemoteInventory, RemotePathMissingOnTheHostFailsTheCheckStep) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  InventoryTarget t = TargetOf("web", *host);
  t.remote_path = host->path() + "-not-there";
  WriteInventoryFile({t});
  ChildResult r = Deploy("web", {"--image", "payments-backend:good-2", "--timeout-seconds", "5"}, false);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  std::vector<std::string> summary = LinesStartingWith(r.out + r.err, "web: FAILED at check");
  ASSERT_EQ(summary.size(), 1u) << r.Describe();
  EXPECT_NE(summary[0].find(t.remote_path), std::string::npos) << "the summary does not name the path: " << summary[0];
  EXPECT_FALSE(FileExists(t.remote_path)) << "the check created the missing remote_path";
  EXPECT_TRUE(host->ComposeLog().empty());
}

}  // namespace
}  // namespace pb::integration
