// replicate/: the replication status — what a running replicator publishes
// in DATA/replication-status.json for `paymentsctl replicate --status` and
// the service's /health (README "Continuous replication").
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace pb::replicate {

inline constexpr const char* kStatusFileName = "replication-status.json";

// A snapshot of a replicator's progress. Times are ms since the epoch (0:
// never).
struct ReplicationStatus {
  std::string state = "starting";  // starting | ok | stalled | stopped
  int64_t pid = 0;
  std::string host;
  std::string data_dir;
  std::string repository;     // the backend's description
  int64_t interval_ms = 0;
  int64_t lag_ms = 0;         // age of the oldest unshipped complete record, 0 when none
  uint64_t shipped_seq = 0;   // the last record in the repository (wal or snapshot)
  uint64_t journal_seq = 0;   // the last complete record seen in the journal
  int64_t last_success_ms = 0;  // last wal object written
  int64_t last_contact_ms = 0;  // last successful write or probe of the repository
  std::string last_error;     // the last failure, "" once the next attempt succeeded
  int64_t last_error_ms = 0;
  std::string last_snapshot_id;
  int64_t last_snapshot_ms = 0;
  std::string last_snapshot_error;
  int64_t last_compaction_ms = 0;     // end of the last compaction pass that succeeded
  std::string last_compaction_error;  // why the last pass failed or left work undone, "" when it did not
  int64_t updated_ms = 0;     // when this was published
};

// One JSON object (the file's content, the `--status --json` output and the
// value of /health's "replication").
std::string EncodeStatus(const ReplicationStatus& s);
// Corruption naming `what` when `json` is not a status object.
Result<ReplicationStatus> DecodeStatus(std::string_view json, std::string_view what);

// DATA/replication-status.json
std::string StatusPath(const std::string& data_dir);

// Writes the file atomically (temporary file, rename).
Status WriteStatusFile(const std::string& data_dir, const ReplicationStatus& s);

// The status published for `data_dir`, with `state` replaced by "stopped"
// when the replicator is not running any more (its pid is gone, or it has
// not published for max(10 s, 5 intervals)). NotFound when no replicator
// ever ran there.
Result<ReplicationStatus> ReadStatusFile(const std::string& data_dir, int64_t now_ms);

// True when the state is "ok": what --status's exit code and /health's
// "degraded" are decided by ("starting" lasts until the first poll).
inline bool Healthy(const ReplicationStatus& s) { return s.state == "ok"; }

}  // namespace pb::replicate
