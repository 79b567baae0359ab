#include "support/sshd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/process.h"

#ifndef PB_FAKE_COMPOSE
#error "PB_FAKE_COMPOSE must name tests/integration/support/fake-compose"
#endif

namespace pb::integration {
namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";

std::string CurrentUser() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "";
}

bool PortAccepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Exit code of `pid` if it has exited (reaping it), else -2.
int ReapIfExited(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return -2;
  if (r < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Field 4 (ppid) and field 3 (state) of /proc/<pid>/stat.
bool ReadStat(pid_t pid, pid_t* ppid, char* state) {
  std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 4 > stat.size()) return false;
  std::istringstream rest(stat.substr(close + 2));
  long parent = 0;
  rest >> *state >> parent;
  *ppid = static_cast<pid_t>(parent);
  return static_cast<bool>(rest);
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    pid_t ppid = 0;
    char state = '?';
    if (ReadStat(static_cast<pid_t>(pid), &ppid, &state) && ppid == parent) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 15]);
  }
  return out;
}

Status WriteFileMode(const std::string& path, const std::string& text, mode_t mode) {
  PB_RETURN_IF_ERROR(WriteFileAtomic(path, text));
  if (::chmod(path.c_str(), mode) != 0) return Status::FromErrno("chmod " + path, errno);
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// SshServer

Result<std::unique_ptr<SshServer>> SshServer::Start() {
  if (::access(kSshd, X_OK) != 0) return Status::NotFound(std::string(kSshd) + " is not installed (openssh-server)");
  std::unique_ptr<SshServer> s(new SshServer());
  s->user_ = CurrentUser();
  if (s->user_.empty()) return Status::NotFound("no passwd entry for uid " + std::to_string(::geteuid()));
  const std::string& d = s->dir_.path();
  // sshd refuses to start as root without its privilege separation directory.
  if (::geteuid() == 0) PB_RETURN_IF_ERROR(MakeDirs("/run/sshd"));

  for (const char* key : {"host_key", "client_key"}) {
    ChildResult gen = RunChild({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", std::string("pb-test-") + key,
                                "-f", d + "/" + key},
                               {}, std::chrono::seconds(30));
    if (gen.exit_code != 0) return Status::IOError("ssh-keygen: " + gen.Describe());
  }
  s->client_key_ = d + "/client_key";
  std::string client_pub = ReadFileOrEmpty(d + "/client_key.pub");
  std::string host_pub = ReadFileOrEmpty(d + "/host_key.pub");
  if (client_pub.empty() || host_pub.empty()) return Status::IOError("ssh-keygen wrote no public key in " + d);
  PB_RETURN_IF_ERROR(WriteFileMode(d + "/authorized_keys", client_pub, 0600));

  s->commands_log_ = d + "/commands.log";
  s->log_ = d + "/sshd.log";
  // The ForceCommand: record the command line, then run it as sshd would.
  PB_RETURN_IF_ERROR(WriteFileMode(d + "/record-command",
                                   "#!/bin/sh\n"
                                   "printf '%s\\n' \"$SSH_ORIGINAL_COMMAND\" >> '" +
                                       s->commands_log_ +
                                       "'\n"
                                       "exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n",
                                   0755));
  PB_RETURN_IF_ERROR(WriteFileMode(s->commands_log_, "", 0644));

  // The user's home as the sessions see it (see home()).
  s->home_ = d + "/home";
  PB_RETURN_IF_ERROR(MakeDirs(s->home_));
  if (::chmod(s->home_.c_str(), 0755) != 0) return Status::FromErrno("chmod " + s->home_, errno);

  // host_pub is "ssh-ed25519 AAAA... comment": keep type and key.
  std::istringstream words(host_pub);
  std::string type, key;
  words >> type >> key;
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    s->port_ = FreeLoopbackPort();
    s->known_hosts_ = d + "/known_hosts";
    PB_RETURN_IF_ERROR(
        WriteFileMode(s->known_hosts_, "[127.0.0.1]:" + std::to_string(s->port_) + " " + type + " " + key + "\n", 0644));
    Status launched = s->Launch();
    if (launched.ok()) break;
    last_error = launched.ToString();
    s->Stop();
    // Someone took the port between FreeLoopbackPort() and sshd's bind: retry.
    if (last_error.find("Address already in use") == std::string::npos &&
        last_error.find("Cannot bind any address") == std::string::npos) {
      return Status::Unavailable(last_error);
    }
  }
  if (s->pid_ < 0) return Status::Unavailable("sshd did not start: " + last_error);

  // The whole path once: key, known_hosts, login, ForceCommand, shell.
  ChildResult probe = RunChild(s->SshArgv("echo pb-sshd-ready"), {}, std::chrono::seconds(20));
  if (probe.exit_code != 0 || probe.out.find("pb-sshd-ready") == std::string::npos) {
    return Status::Unavailable("ssh to the test sshd failed: " + probe.Describe() + "\nsshd log:\n" +
                               FileTail(s->log_));
  }
  PB_RETURN_IF_ERROR(s->WaitForSessionsToEnd());
  // Commands() lists what the tests ran, not the probe.
  PB_RETURN_IF_ERROR(WriteFileMode(s->commands_log_, "", 0644));
  return s;
}

Status SshServer::Launch() {
  config_ = dir_.Sub("sshd_config");
  std::string config;
  config += "HostKey " + dir_.Sub("host_key") + "\n";
  config += "AuthorizedKeysFile " + dir_.Sub("authorized_keys") + "\n";
  config += "ListenAddress 127.0.0.1\n";
  config += "Port " + std::to_string(port_) + "\n";
  config += "PidFile none\n";
  config += "StrictModes no\n";
  config += "UsePAM no\n";
  config += "PermitRootLogin prohibit-password\n";
  config += "PubkeyAuthentication yes\n";
  config += "PasswordAuthentication no\n";
  config += "KbdInteractiveAuthentication no\n";
  config += "AllowUsers " + user_ + "\n";
  config += "LogLevel VERBOSE\n";
  config += "ForceCommand " + dir_.Sub("record-command") + "\n";
  // The login shell reads its start-up files from this HOME (see home()).
  config += "SetEnv HOME=" + home_ + "\n";
  PB_RETURN_IF_ERROR(WriteFileMode(config_, config, 0600));

  size_t log_offset = ReadFileOrEmpty(log_).size();
  SpawnOptions spawn;
  spawn.output_file = log_;
  // With setpriv, sshd dies with the test process even when that is killed
  // (no destructor runs then).
  std::vector<std::string> argv = {kSshd, "-D", "-e", "-f", config_};
  if (::access("/usr/bin/setpriv", X_OK) == 0) argv.insert(argv.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL"});
  auto child = Spawn(argv, spawn);
  if (!child.ok()) return child.status();
  pid_ = child->pid();
  ChildProcess forget = std::move(child.value());  // reaped here, by pid
  (void)forget;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int code = ReapIfExited(pid_);
    if (code != -2) {
      pid_ = -1;
      std::string log = ReadFileOrEmpty(log_).substr(log_offset);
      return Status::Unavailable("sshd exited with " + std::to_string(code) + ": " + log);
    }
    if (PortAccepts(port_)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Unavailable("sshd did not accept on 127.0.0.1:" + std::to_string(port_) + " within 10 s: " +
                             FileTail(log_));
}

void SshServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ReapIfExited(pid_) == -2) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

SshServer::~SshServer() { Stop(); }

int SshServer::Connections() const {
  int n = 0;
  for (const std::string& line : Lines(ReadFileOrEmpty(log_))) {
    if (line.find("Connection from ") != std::string::npos) ++n;
  }
  return n;
}

std::vector<std::string> SshServer::Commands() const { return Lines(ReadFileOrEmpty(commands_log_)); }

std::string SshServer::Log() const { return ReadFileOrEmpty(log_); }

Status SshServer::WaitForSessionsToEnd(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<pid_t> children = ChildrenOf(pid_);
    if (children.empty()) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (pid_t c : children) {
        std::string cmd = ReadFileOrEmpty("/proc/" + std::to_string(c) + "/cmdline");
        for (char& ch : cmd) ch = ch == '\0' ? ' ' : ch;
        list += " " + std::to_string(c) + " (" + cmd + ")";
      }
      return Status::Unavailable("sshd still has sessions after " + std::to_string(timeout.count()) + " ms:" + list);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<ServerIo> SshServer::Io() const {
  std::string text = ReadFileOrEmpty("/proc/" + std::to_string(pid_) + "/io");
  if (text.empty()) return Status::Unavailable("cannot read /proc/" + std::to_string(pid_) + "/io");
  ServerIo io;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("rchar: ", 0) == 0) io.rchar = std::stoull(line.substr(7));
    if (line.rfind("wchar: ", 0) == 0) io.wchar = std::stoull(line.substr(7));
  }
  return io;
}

std::vector<std::string> SshServer::SshArgv(const std::string& remote_command) const {
  return {"ssh",
          "-F",
          "/dev/null",
          "-o",
          "BatchMode=yes",
          "-o",
          "IdentitiesOnly=yes",
          "-o",
          "UserKnownHostsFile=" + known_hosts_,
          "-o",
          "StrictHostKeyChecking=yes",
          "-o",
          "ConnectTimeout=10",
          "-i",
          client_key_,
          "-p",
          std::to_string(port_),
          "-l",
          user_,
          "127.0.0.1",
          remote_command};
}

// ---------------------------------------------------------------------------
// Inventories

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string InventoryJson(const SshServer& server, const std::vector<InventoryTarget>& targets,
                          const std::map<std::string, std::vector<std::string>>& groups) {
  std::string out = "{\n";
  bool first = true;
  for (const InventoryTarget& t : targets) {
    std::vector<std::pair<std::string, std::optional<std::string>>> fields = {
        {"host", JsonQuote("127.0.0.1")},
        {"port", std::to_string(server.port())},
        {"user", JsonQuote(server.user())},
        {"remote_path", JsonQuote(t.remote_path)},
        {"compose", JsonQuote(FakeComposePath())},
        {"health_url", JsonQuote("http://127.0.0.1:" + std::to_string(t.backend_port) + "/health")},
    };
    for (auto& [name, value] : fields) {
      auto it = t.raw.find(name);
      if (it != t.raw.end()) value = it->second;
    }
    for (const auto& [name, value] : t.raw) {
      bool known = false;
      for (const auto& f : fields) known = known || f.first == name;
      if (!known) fields.emplace_back(name, value);
    }
    out += std::string(first ? "" : ",\n") + "  " + JsonQuote(t.name) + ": {";
    first = false;
    bool first_field = true;
    for (const auto& [name, value] : fields) {
      if (!value) continue;
      out += std::string(first_field ? "" : ", ") + JsonQuote(name) + ": " + *value;
      first_field = false;
    }
    out += "}";
  }
  for (const auto& [name, members] : groups) {
    out += std::string(first ? "" : ",\n") + "  " + JsonQuote(name) + ": [";
    first = false;
    for (size_t i = 0; i < members.size(); ++i) out += (i ? ", " : "") + JsonQuote(members[i]);
    out += "]";
  }
  return out + "\n}\n";
}

Status WriteInventory(const std::string& path, const SshServer& server, const std::vector<InventoryTarget>& targets,
                      const std::map<std::string, std::vector<std::string>>& groups) {
  return WriteFileAtomic(path, InventoryJson(server, targets, groups));
}

// ---------------------------------------------------------------------------
// Hosts

std::string FakeComposePath() { return PB_FAKE_COMPOSE; }

Result<std::unique_ptr<TestHost>> TestHost::Create(const std::string& dir, uint16_t backend_port) {
  std::unique_ptr<TestHost> h(new TestHost());
  h->path_ = dir;
  h->port_ = backend_port != 0 ? backend_port : FreeLoopbackPort();
  h->secret_ = "s3cr3t-" + RandomHex(16);
  if (FileExists(dir)) return Status::Conflict(dir + " already exists");
  PB_RETURN_IF_ERROR(MakeDirs(dir + "/data"));
  h->initial_env_ =
      "# payments host (written by the test)\n"
      "COMPOSE_PROJECT_NAME=payments\n"
      "PAYMENTS_IMAGE=" +
      std::string(kImage) +
      "\n"
      "PAYMENTS_API_ADMIN_TOKEN=" +
      h->secret_ +
      "\n"
      "\n"
      "PAYMENTS_NOTE=\"a value with spaces, 'quotes' and = signs\"\n"
      "PAYMENTS_LOG_LEVEL=info\n";
  PB_RETURN_IF_ERROR(WriteFileMode(dir + "/.env", h->initial_env_, 0640));
  PB_RETURN_IF_ERROR(WriteFileMode(dir + "/docker-compose.yml",
                                   "# placeholder: the test host's compose is support/fake-compose\n"
                                   "services:\n  payments-backend:\n    image: ${PAYMENTS_IMAGE}\n",
                                   0644));
  PB_RETURN_IF_ERROR(WriteFileMode(dir + "/fake-compose.conf",
                                   "BACKEND=" + BinPath("payments-backend") + "\nPORT=" + std::to_string(h->port_) +
                                       "\nSTOP_TIMEOUT=20\n",
                                   0644));
  return h;
}

TestHost::~TestHost() {
  pid_t pid = ServicePid();
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  // Not our child (the fake compose detached it): wait until it is gone or a zombie.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t ppid = 0;
    char state = '?';
    if (!ReadStat(pid, &ppid, &state) || state == 'Z') break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<std::string> TestHost::ComposeLog() const { return Lines(ReadFileOrEmpty(path_ + "/compose.log")); }

ChildResult TestHost::Compose(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"env", "-C", path_, FakeComposePath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunChild(argv, {}, std::chrono::seconds(60));
}

pid_t TestHost::ServicePid() const {
  std::string text = ReadFileOrEmpty(path_ + "/.fake-compose.pid");
  pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
  if (pid <= 0) return -1;
  pid_t ppid = 0;
  char state = '?';
  if (!ReadStat(pid, &ppid, &state) || state == 'Z') return -1;
  // Only the backend started in this directory.
  std::string cmdline = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/cmdline");
  if (cmdline.find(BinPath("payments-backend")) == std::string::npos) return -1;
  char cwd[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
  if (n <= 0) return -1;
  cwd[n] = '\0';
  char real[4096];
  if (::realpath(path_.c_str(), real) == nullptr || std::string(cwd) != real) return -1;
  return pid;
}

bool TestHost::Healthy() const {
  HttpClient client(port_, std::chrono::seconds(3));
  if (!client.Connect().ok()) return false;
  auto health = client.Get("/health");
  return health.ok() && health->status == 200 && health->body.find("\"status\":\"ok\"") != std::string::npos;
}

Status TestHost::WaitHealthy(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Healthy()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("the service of " + path_ + " on port " + std::to_string(port_) +
                                 " is not healthy after " + std::to_string(timeout.count()) + " ms; backend.log:\n" +
                                 ServiceLogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Ok();
}

std::string TestHost::ServiceLogTail() const { return FileTail(path_ + "/backend.log", 3000); }

}  // namespace pb::integration
