#include "replicate/status.h"

#include <signal.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/time_util.h"

namespace pb::replicate {
namespace {

std::string Iso(int64_t ms) { return ms > 0 ? FormatIso8601(ms) : ""; }

bool ProcessGone(int64_t pid) { return pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH); }

}  // namespace

std::string EncodeStatus(const ReplicationStatus& s) {
  std::string out;
  JsonObject(&out)
      .Str("state", s.state)
      .Int("pid", s.pid)
      .Str("host", s.host)
      .Str("data_dir", s.data_dir)
      .Str("repository", s.repository)
      .Int("interval_ms", s.interval_ms)
      .Int("lag_ms", s.lag_ms)
      .UInt("shipped_seq", s.shipped_seq)
      .UInt("journal_seq", s.journal_seq)
      .Int("last_success_ms", s.last_success_ms)
      .Str("last_success", Iso(s.last_success_ms))
      .Int("last_contact_ms", s.last_contact_ms)
      .Str("last_error", s.last_error)
      .Str("last_error_at", Iso(s.last_error_ms))
      .Int("last_error_ms", s.last_error_ms)
      .Str("last_snapshot_id", s.last_snapshot_id)
      .Int("last_snapshot_ms", s.last_snapshot_ms)
      .Str("last_snapshot_error", s.last_snapshot_error)
      .Int("last_compaction_ms", s.last_compaction_ms)
      .Str("last_compaction_error", s.last_compaction_error)
      .Int("updated_ms", s.updated_ms)
      .Close();
  return out;
}

Result<ReplicationStatus> DecodeStatus(std::string_view json, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object o;
  if (parser.parse(padded).get(o) != simdjson::SUCCESS) {
    return Status::Corruption(std::string(what) + " is not a JSON object");
  }
  ReplicationStatus s;
  bool ok = true;
  auto str = [&](const char* key, std::string* out) {
    std::string_view v;
    if (o[key].get_string().get(v) == simdjson::SUCCESS) *out = std::string(v); else ok = false;
  };
  auto i64 = [&](const char* key, int64_t* out) {
    if (o[key].get_int64().get(*out) != simdjson::SUCCESS) ok = false;
  };
  auto u64 = [&](const char* key, uint64_t* out) {
    if (o[key].get_uint64().get(*out) != simdjson::SUCCESS) ok = false;
  };
  str("state", &s.state);
  i64("pid", &s.pid);
  str("host", &s.host);
  str("data_dir", &s.data_dir);
  str("repository", &s.repository);
  i64("interval_ms", &s.interval_ms);
  i64("lag_ms", &s.lag_ms);
  u64("shipped_seq", &s.shipped_seq);
  u64("journal_seq", &s.journal_seq);
  i64("last_success_ms", &s.last_success_ms);
  i64("last_contact_ms", &s.last_contact_ms);
  str("last_error", &s.last_error);
  i64("last_error_ms", &s.last_error_ms);
  str("last_snapshot_id", &s.last_snapshot_id);
  i64("last_snapshot_ms", &s.last_snapshot_ms);
  str("last_snapshot_error", &s.last_snapshot_error);
  i64("updated_ms", &s.updated_ms);
  // Written since compaction exists: optional in older files.
  if (o["last_compaction_ms"].get_int64().get(s.last_compaction_ms) != simdjson::SUCCESS) s.last_compaction_ms = 0;
  std::string_view compaction_error;
  if (o["last_compaction_error"].get_string().get(compaction_error) == simdjson::SUCCESS) {
    s.last_compaction_error = std::string(compaction_error);
  }
  if (!ok) return Status::Corruption(std::string(what) + " lacks a field or has one of the wrong type");
  return s;
}

std::string StatusPath(const std::string& data_dir) { return data_dir + "/" + kStatusFileName; }

Status WriteStatusFile(const std::string& data_dir, const ReplicationStatus& s) {
  return WriteFileAtomic(StatusPath(data_dir), EncodeStatus(s) + "\n");
}

Result<ReplicationStatus> ReadStatusFile(const std::string& data_dir, int64_t now_ms) {
  const std::string path = StatusPath(data_dir);
  if (!FileExists(path)) {
    return Status::NotFound("no replicator has run for " + data_dir + " (" + path + " does not exist)");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto s = DecodeStatus(*text, path);
  if (!s.ok()) return s.status();
  const int64_t silent_for = now_ms - s->updated_ms;
  if (s->state != "stopped" && (ProcessGone(s->pid) || silent_for > std::max<int64_t>(10000, 5 * s->interval_ms))) {
    s->state = "stopped";
  }
  return s;
}

}  // namespace pb::replicate
