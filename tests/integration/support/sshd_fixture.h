// A real OpenSSH server for the remote-operation tests, and the hosts it
// serves: /usr/sbin/sshd on 127.0.0.1 (a free port) with a host key and a
// client key made at test time, a known_hosts file naming that host key, a
// log of every connection and of every command a client ran, and the bytes
// the server side read and wrote; a "host" is a directory acting as a payments
// host's remote_path (data/, .env, docker-compose.yml) whose compose command
// is support/fake-compose, which runs the real payments-backend. Every wait
// here is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_runner.h"
#include "support/test_support.h"

namespace pb::integration {

// Cumulative I/O of the server and of every process it has reaped (each
// connection's sshd, the session's shell, rsync --server, cat, curl,
// fake-compose...), from /proc/<sshd>/io. A session's bytes are counted once
// its processes have exited: call WaitForSessionsToEnd() first.
struct ServerIo {
  uint64_t rchar = 0;  // bytes passed to read(2) and friends: files, pipes, sockets
  uint64_t wchar = 0;  // bytes passed to write(2) and friends
};

// sshd -D -e -f <config> on 127.0.0.1:port(), accepting the current user
// (root included: PermitRootLogin prohibit-password) with client_key() only.
// Every session runs through a ForceCommand that appends the client's
// command line to commands.log and then runs it with /bin/sh -c, so tests
// can see what was run on the "host". The destructor kills and reaps sshd.
// Not copyable.
//
// sshd runs each session through the user's login shell, which reads the
// user's start-up files from $HOME (bash: ~/.bashrc). The server sets HOME to
// home() (sshd_config SetEnv), a directory of the test's that starts empty:
// the remote commands run the same whatever the machine's ~/.bashrc holds,
// and a test can write start-up files there to play a slow or chatty host.
class SshServer {
 public:
  // Error: sshd is missing, did not listen within its bound (on any of a few
  // ports), or the client could not log in with the generated key.
  static Result<std::unique_ptr<SshServer>> Start();
  ~SshServer();
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& user() const { return user_; }
  // Private key for --ssh-key, and the known_hosts file for --known-hosts
  // ("[127.0.0.1]:PORT ssh-ed25519 ...").
  const std::string& client_key() const { return client_key_; }
  const std::string& known_hosts() const { return known_hosts_; }
  // The server's own directory (keys, config, logs).
  const std::string& dir() const { return dir_.path(); }
  // The user's home directory as the sessions see it ($HOME).
  const std::string& home() const { return home_; }

  // TCP connections the server accepted so far ("Connection from" lines),
  // the fixture's own start-up checks included.
  int Connections() const;
  // Command lines clients ran since Start() returned, one per session
  // (rsync included; a command with newlines spans several entries).
  std::vector<std::string> Commands() const;
  // The server's log (sshd -e, LogLevel VERBOSE).
  std::string Log() const;
  // Waits until the server has no child process left (every connection
  // closed and its processes reaped), at most `timeout`.
  Status WaitForSessionsToEnd(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // See ServerIo.
  Result<ServerIo> Io() const;

  // ssh with this server's key, known_hosts and port, then `remote_command`.
  std::vector<std::string> SshArgv(const std::string& remote_command) const;

 private:
  SshServer() = default;
  Status Launch();
  void Stop();

  TempDir dir_;
  std::string user_;
  std::string client_key_, known_hosts_, config_, log_, commands_log_;
  std::string home_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// ---------------------------------------------------------------------------
// Inventories

// One target of an inventory served by an SshServer: host 127.0.0.1, its
// port, the current user, `remote_path`, the fake compose, and
// http://127.0.0.1:<backend_port>/health.
struct InventoryTarget {
  std::string name;
  std::string remote_path;
  uint16_t backend_port = 0;
  // Members replacing the generated ones, as raw JSON text ("\"a b\"",
  // "22"); std::nullopt leaves the member out. Any name may be given (an
  // unknown field too).
  std::map<std::string, std::optional<std::string>> raw;
};

// JSON string literal of `text` (quotes, backslashes and control characters
// escaped).
std::string JsonQuote(const std::string& text);
// The inventory text: every target, then every group (name -> members).
std::string InventoryJson(const SshServer& server, const std::vector<InventoryTarget>& targets,
                          const std::map<std::string, std::vector<std::string>>& groups = {});
Status WriteInventory(const std::string& path, const SshServer& server, const std::vector<InventoryTarget>& targets,
                      const std::map<std::string, std::vector<std::string>>& groups = {});

// ---------------------------------------------------------------------------
// Hosts

// The fake compose command (support/fake-compose in the source tree).
std::string FakeComposePath();

// A directory standing for a payments host's remote_path:
//   data/                 the service's data (empty until the test fills it)
//   .env                  kEnvImageLine, a secret line and a few other lines (0640)
//   docker-compose.yml    a placeholder (the fake compose does not read it)
//   fake-compose.conf     BACKEND (the built payments-backend) and PORT
// The destructor SIGKILLs the service the fake compose started in this
// directory if it still runs (checked by pid, command line and cwd).
class TestHost {
 public:
  static constexpr const char* kImage = "payments-backend:good-1";
  // Creates `dir` (which must not exist yet) for a service on `backend_port`
  // (0: a free loopback port).
  static Result<std::unique_ptr<TestHost>> Create(const std::string& dir, uint16_t backend_port = 0);
  ~TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const std::string& path() const { return path_; }
  std::string data() const { return path_ + "/data"; }
  std::string env_file() const { return path_ + "/.env"; }
  uint16_t port() const { return port_; }
  // The value of the secret line of .env (random per host).
  const std::string& secret() const { return secret_; }
  // The .env text Create() wrote.
  const std::string& initial_env() const { return initial_env_; }

  // Lines of compose.log ("pull image=payments-backend:good-2").
  std::vector<std::string> ComposeLog() const;
  // Runs the fake compose here, locally (not over SSH), e.g. {"up", "-d"}:
  // setting a host up and tearing it down around what a test checks.
  ChildResult Compose(const std::vector<std::string>& args) const;
  // Pid of the service started here, or -1 when none runs.
  pid_t ServicePid() const;
  // GET /health answers 200 with "status":"ok".
  bool Healthy() const;
  // Healthy(), polled every 50 ms for at most `timeout`.
  Status WaitHealthy(std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  // Tail of backend.log (for failure messages).
  std::string ServiceLogTail() const;

 private:
  TestHost() = default;
  std::string path_;
  uint16_t port_ = 0;
  std::string secret_;
  std::string initial_env_;
};

}  // namespace pb::integration
