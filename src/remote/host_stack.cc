#include "remote/host_stack.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

namespace pb::remote {

namespace {

// Every script runs as `sh -c SCRIPT pctl ARG...` with `set -eu`; $1 is
// always remote_path. as_needed retries a command with `sudo -n` when the
// SSH user lacks the permission (data/ owned by the container's user).
constexpr const char* kPrelude = R"sh(set -eu
as_needed() {
  "$@" 2>/dev/null && return 0
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else "$@"; fi
}
cd "$1"
)sh";

constexpr const char* kCompose = R"sh(shift; exec "$@")sh";

// Before the prelude's cd: exit 4 when remote_path is not a directory.
constexpr const char* kEnvRead = R"sh(if [ -e .env ]; then cat .env; else exit 3; fi)sh";

// $1: health URL, $2: openapi URL or "", $3: seconds. Polls $1 once a second
// until it answers 2xx, then prints its body and, with $2, kOpenApiSeparator
// and the answer of $2. Exit 4 with curl's last complaint on stderr when no
// 2xx came within $3 seconds.
constexpr const char* kHealthPoll = R"sh(end=$(( $(date +%s) + $3 ))
while :; do
  if body=$(curl -fsS --max-time 5 "$1" 2>&1); then
    printf '%s\n' "$body"
    if [ -n "$2" ]; then printf '\n%s\n' pctl-openapi-follows; curl -fsS --max-time 5 "$2" || true; fi
    exit 0
  fi
  if [ "$(date +%s)" -ge "$end" ]; then printf '%s\n' "$body" >&2; exit 4; fi
  sleep 1
done)sh";
constexpr const char* kOpenApiSeparator = "\npctl-openapi-follows\n";

// $2: 1 = write stdin as .env, 0 = remove .env.
constexpr const char* kEnvWrite = R"sh(if [ "$2" = 0 ]; then rm -f .env; exit 0; fi
umask 077
cat > .env.pctl-tmp
if [ -e .env ]; then
  chmod --reference=.env .env.pctl-tmp
  chown --reference=.env .env.pctl-tmp 2>/dev/null || true
fi
mv -f .env.pctl-tmp .env)sh";

// $2: directory, $3: owner or "", $4: 1 = create $2/audit.
constexpr const char* kAdopt = R"sh(if [ "$4" = 1 ]; then mkdir -p "$2/audit"; fi
owner="$3"
if [ -z "$owner" ] && [ -d data ]; then owner=$(stat -c %u:%g data); fi
if [ -n "$owner" ] && [ "$owner" != "$(stat -c %u:%g "$2")" ]; then as_needed chown -R "$owner" "$2"; fi)sh";

// $2: stamp, $3: incoming directory, $4: name of data/ under backups/<stamp>.
constexpr const char* kSwap = R"sh(mkdir -p backups
dir="backups/$2"; n=1
while ! mkdir "$dir" 2>/dev/null; do
  n=$((n + 1))
  if [ "$n" -gt 50 ]; then echo "cannot create a new directory backups/$2-N" >&2; exit 1; fi
  dir="backups/$2-$n"
done
moved=0
if [ -e data ] || [ -L data ]; then as_needed mv -T data "$dir/$4"; moved=1; fi
if ! as_needed mv -T "$3" data; then
  if [ "$moved" = 1 ]; then as_needed mv -T "$dir/$4" data; fi
  rmdir "$dir" 2>/dev/null || true
  exit 1
fi
sync -f data 2>/dev/null || sync
if [ "$moved" = 1 ]; then printf '%s\n' "$dir"; else rmdir "$dir"; fi)sh";

// Before kSwap: exit 1 naming the holder while a process still writes data/
// (it holds the flock of data/LOCK, docs/journal-format.md "The LOCK
// file"), so that a stray service is never moved aside under its feet.
// Skipped where flock(1) is missing or data/LOCK cannot be read.
constexpr const char* kRefuseDataInUse = R"sh(if as_needed test -f data/LOCK && command -v flock >/dev/null 2>&1; then
  held=0; as_needed flock -n -E 75 data/LOCK true || held=$?
  if [ "$held" = 75 ]; then
    printf 'data/ is in use by %s (it holds data/LOCK): stop that process, then run the command again\n' \
      "$(as_needed head -n 1 data/LOCK)" >&2
    exit 1
  fi
fi
)sh";

// $2: a scratch directory of ours.
constexpr const char* kRemove = R"sh(case "$2" in .data.*) as_needed rm -rf -- "$2" ;; *) exit 2 ;; esac)sh";

std::string TrimmedLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Why a health answer is not healthy, or "" when it is.
std::string UnhealthyReason(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object obj;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) return "";
  std::string_view status;
  if (obj["status"].get_string().get(status) != simdjson::SUCCESS || status == "ok") return "";
  return "health says status \"" + std::string(status) + "\"";
}

bool ListsPath(const std::string& openapi, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(openapi);
  simdjson::dom::object paths;
  if (parser.parse(padded)["paths"].get_object().get(paths) != simdjson::SUCCESS) return false;
  return paths[path].error() == simdjson::SUCCESS;
}

}  // namespace

std::string UtcStamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<std::string> HostStack::Script(const std::string& what, const char* script,
                                      const std::vector<std::string>& args, std::string_view input) {
  std::vector<std::string> argv = {"sh", "-c", std::string(kPrelude) + script, "pctl", t_.remote_path};
  argv.insert(argv.end(), args.begin(), args.end());
  return s_->Check(what, argv, input);
}

Status HostStack::CheckRemotePath() {
  auto run = s_->Run({"test", "-d", t_.remote_path});
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) return NotADirectory();
  return Status::Ok();
}

Status HostStack::NotADirectory() const {
  return Status::NotFound(t_.name + ": remote_path " + t_.remote_path + " is not a directory on " + t_.Address());
}

Status HostStack::Compose(const std::vector<std::string>& args) {
  std::vector<std::string> words = t_.compose;
  words.insert(words.end(), args.begin(), args.end());
  std::string shown;
  for (const std::string& w : words) shown += (shown.empty() ? "" : " ") + w;
  return Script("`" + shown + "`", kCompose, words).status();
}

Result<std::optional<std::string>> HostStack::ReadEnv() {
  if (env_) return *env_;
  std::vector<std::string> argv = {"sh", "-c", std::string("[ -d \"$1\" ] || exit 4\n") + kPrelude + kEnvRead, "pctl",
                                   t_.remote_path};
  auto run = s_->Run(argv);
  if (!run.ok()) return run.status();
  if (run->exit_code == 4) return NotADirectory();
  if (run->exit_code == 3) {
    env_.emplace();
  } else if (run->exit_code != 0) {
    return Status::IOError("reading " + t_.remote_path + "/.env on " + t_.name + " failed: " + TrimmedLine(run->err));
  } else {
    env_.emplace(std::move(run->out));
  }
  return *env_;
}

Status HostStack::WriteEnv(const std::optional<std::string>& content) {
  env_.reset();  // unknown until the write is known to have happened
  PB_RETURN_IF_ERROR(
      Script("writing " + t_.remote_path + "/.env", kEnvWrite, {content ? "1" : "0"}, content.value_or("")).status());
  env_.emplace(content);
  return Status::Ok();
}

Status HostStack::Adopt(const std::string& rel, AuditFolder audit) {
  return Script("giving " + rel + " the owner of data/", kAdopt,
                {rel, t_.data_owner, audit == AuditFolder::kCreate ? "1" : "0"})
      .status();
}

Result<std::string> HostStack::SwapData(const std::string& stamp, const std::string& incoming,
                                        const std::string& aside_name) {
  const std::string script = std::string(kRefuseDataInUse) + kSwap;
  auto out = Script("moving " + incoming + " into place as data/", script.c_str(), {stamp, incoming, aside_name});
  if (!out.ok()) return out.status();
  return TrimmedLine(*out);
}

Status HostStack::RemoveScratch(const std::string& rel) {
  return Script("removing " + rel, kRemove, {rel}).status();
}

Result<std::string> HostStack::WaitHealthy(int timeout_s, const std::string& openapi_path) {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(timeout_s);
  std::string origin = t_.health_url.substr(0, t_.health_url.find('/', std::string("http://").size()));
  std::string openapi_url = openapi_path.empty() ? "" : origin + "/openapi.json";
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
    int left_s = std::max<int>(1, static_cast<int>(left.count()));
    std::vector<std::string> argv = {"sh", "-c", kHealthPoll, "pctl", t_.health_url, openapi_url,
                                     std::to_string(left_s)};
    auto poll = s_->Run(argv, {}, (left_s + 30) * int64_t{1000});
    if (!poll.ok()) return poll.status();
    std::string reason;
    if (poll->exit_code != 0) {
      reason = TrimmedLine(poll->err);
      if (reason.empty()) reason = "the health poll exited with " + std::to_string(poll->exit_code);
      if (poll->exit_code == 4) {
        return Status::Unavailable(t_.health_url + " not healthy within " + std::to_string(timeout_s) + " s: " + reason);
      }
    } else {
      size_t sep = poll->out.find(kOpenApiSeparator);
      reason = UnhealthyReason(poll->out.substr(0, sep));
      if (reason.empty() && !openapi_url.empty() &&
          (sep == std::string::npos || !ListsPath(poll->out.substr(sep + std::strlen(kOpenApiSeparator)), openapi_path))) {
        reason = openapi_url + " does not list the path " + openapi_path;
      }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (reason.empty()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "healthy after %.1f s", seconds);
      return std::string(buf);
    }
    if (std::chrono::steady_clock::now() + std::chrono::seconds(1) > deadline) {
      return Status::Unavailable(t_.health_url + " not healthy within " + std::to_string(timeout_s) + " s: " + reason);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace pb::remote
