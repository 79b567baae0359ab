#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "remote/ssh_session.h"

namespace pb::remote {

// Whether HostStack::Adopt creates the audit/ folder of what it adopts.
enum class AuditFolder { kAsIs, kCreate };

// The compose stack and the data directory of one target, operated over its
// SSH session with fixed POSIX sh scripts whose inputs are positional
// arguments (never spliced into the script text). Paths are relative to
// remote_path unless they start with '/'.
class HostStack {
 public:
  explicit HostStack(SshSession* session) : s_(session), t_(session->target()) {}

  // NotFound unless remote_path is a directory on the host.
  Status CheckRemotePath();
  // `compose <args>` run in remote_path.
  Status Compose(const std::vector<std::string>& args);

  // .env's bytes, or nullopt when remote_path has none. Read from the host
  // once (NotFound, as CheckRemotePath, when remote_path is not a
  // directory); later calls return what this stack last read or wrote.
  Result<std::optional<std::string>> ReadEnv();
  // Replaces .env with `content` (temporary file + rename, mode and owner of
  // the old one kept, 0600 when new) or removes it when nullopt. The content
  // travels on ssh's stdin, never in a command line.
  Status WriteEnv(const std::optional<std::string>& content);

  // Gives directory `rel` (and everything in it) the data owner: the
  // target's data_owner, else the owner of the current data/, else leaves it.
  // With AuditFolder::kCreate, `rel`/audit is created first.
  Status Adopt(const std::string& rel, AuditFolder audit);
  // Moves data/ (when it exists) to backups/<stamp>[-N]/<aside_name> and
  // `incoming` to data/, then syncs. If the second move fails the first is
  // undone. Returns the backups/… directory data/ went to, or "" when there
  // was no data/. Refuses, changing nothing, while a process holds the lock
  // of data/LOCK (ledger/data_dir_lock.h), naming it.
  Result<std::string> SwapData(const std::string& stamp, const std::string& incoming, const std::string& aside_name);
  // Removes `rel` (a directory of ours: .data.incoming-…, .data.new-…).
  Status RemoveScratch(const std::string& rel);

  // Polls health_url on the host once a second until it answers 2xx (and a
  // JSON `status`, if present, is "ok") and, when `openapi_path` is set,
  // /openapi.json lists it. Unavailable with the last reason after `timeout_s`.
  // Returns "healthy after N.N s". The polls until the first 2xx run on the
  // host in one remote command; each 2xx that is not healthy costs one more.
  Result<std::string> WaitHealthy(int timeout_s, const std::string& openapi_path);

  const Target& target() const { return t_; }

 private:
  Status NotADirectory() const;
  Result<std::string> Script(const std::string& what, const char* script, const std::vector<std::string>& args,
                             std::string_view input = {});
  SshSession* s_;
  const Target& t_;
  std::optional<std::optional<std::string>> env_;  // set once .env was read or written
};

// UTC time as used in backups/<stamp> names: 20261124T133605Z.
std::string UtcStamp();

}  // namespace pb::remote
