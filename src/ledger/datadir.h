// ledger/: the layout of a data directory, known here and nowhere else (like
// LevelDB's db/filename.h): the names of its files and folders, how journal
// segments are named, the journal/CHECKPOINT marker (its format, its read,
// and whether the JSON files match it), and where an append-only log ends
// (its last complete line, and the last record of a journal). Every other
// folder asks here. docs/journal-format.md ("Files", "Checkpoints") is the
// same in prose.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "ledger/record.h"

namespace pb::ledger {

// ---- Names, relative to the data directory --------------------------------

inline constexpr const char* kJournalDir = "journal";
inline constexpr const char* kAuditDir = "audit";
// Which seq the JSON files reflect (see CheckpointMarker); in journal/.
inline constexpr const char* kCheckpointMarker = "journal/CHECKPOINT";
inline constexpr const char* kCheckpointMarkerName = "CHECKPOINT";
// The readable mirrors (ledger/mirror.h) and the request log.
inline constexpr const char* kLedgerEventsLog = "audit/ledger-events.log";
inline constexpr const char* kRegistryLog = "audit/registry.log";
inline constexpr const char* kMirrorLogs[] = {kLedgerEventsLog, kRegistryLog};
inline constexpr const char* kAccessLog = "audit/payments-audit.log";
// The checkpoint group's JSON files (also the Python-era state files); every
// array indexed by "state file" follows kStateFiles' order.
inline constexpr const char* kRegistryJson = "registry.json";
inline constexpr const char* kBalancesJson = "balances.json";
inline constexpr const char* kWorkloadsJson = "workloads.json";
inline constexpr size_t kStateFileCount = 3;
inline constexpr const char* kStateFiles[kStateFileCount] = {kRegistryJson, kBalancesJson, kWorkloadsJson};
// The suffix of a checkpoint file (or CHECKPOINT) written but not published yet.
inline constexpr const char* kPendingSuffix = ".ckpt";
// Adoption of a Python-era directory: where it builds the journal before
// renaming it to journal/, and where it keeps a copy of the original files.
inline constexpr const char* kAdoptingJournalDir = "journal.adopting";
inline constexpr const char* kAdoptedDir = "adopted-python-era";

// `data_dir` + "/" + `rel` (one of the names above).
std::string DataPath(const std::string& data_dir, std::string_view rel);
std::string JournalDir(const std::string& data_dir);
// "<path>.stale-<seq>": where start-up moves a JSON file that no longer
// matches the checkpoint at `seq`.
std::string StalePath(const std::string& path, uint64_t seq);
// True when any of kStateFiles exists in `data_dir`.
bool HasStateFiles(const std::string& data_dir);

// ---- Journal segments -------------------------------------------------------

// A segment's file name: its first record's seq in 20 digits, then
// ".journal" ("00000000000000052873.journal"), so names sort by seq.
std::string SegmentFileName(uint64_t first_seq);
// The first seq a segment file name states; nullopt for any other name
// (including 20 digits beyond 2^64 - 1).
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);
bool IsSegmentName(std::string_view name);
std::string SegmentPath(const std::string& journal_dir, uint64_t first_seq);
// True for a data-directory-relative "journal/<segment file name>".
bool IsJournalSegment(std::string_view rel);
// True for a data-directory-relative path of an append-only log: a file the
// service only appends to (O_APPEND), or cuts back to an earlier line (a torn
// tail at start-up, a point-in-time cut) and then appends to again. These are
// the journal segments, kMirrorLogs and kAccessLog, and nothing else: any other
// file may be rewritten anywhere (audit/docker.db by SQLite, the JSON files by
// a checkpoint, whatever an operator keeps here). A backup reads only the new
// bytes of such a log that grew (backup/file_saver.h).
bool IsAppendOnlyLog(std::string_view rel);

struct Segment {
  uint64_t first_seq = 0;
  std::string path;
};
// Segments of `journal_dir`, sorted by first seq; other files are ignored.
Result<std::vector<Segment>> ListSegments(const std::string& journal_dir);

// ---- journal/CHECKPOINT -----------------------------------------------------

// One line of JSON: {"format":1,"seq":N,"hash":"<64 hex>","written_at":"<ISO
// time>","files":{"registry.json":"<sha256 hex>",...}}: the JSON files hold
// the state after record `seq`, whose chain hash is `hash`.
struct CheckpointMarker {
  ChainPoint point;
  std::array<std::string, kStateFileCount> file_sha;  // SHA-256 hex of kStateFiles[i]
};
// The marker's text, newline included.
std::string EncodeCheckpointMarker(const CheckpointMarker& marker, int64_t written_at_ms);
// Parses a marker's text; Corruption naming `path` when it is not format 1
// with every field.
Result<CheckpointMarker> ParseCheckpointMarker(std::string_view text, const std::string& path);
// Reads journal/CHECKPOINT of `data_dir` without changing anything.
// NotFound when there is none; Corruption when it does not parse.
Result<CheckpointMarker> ReadCheckpointMarker(const std::string& data_dir);

// How one JSON file of the data directory compares with the marker.
enum class FileMatch {
  kMatches,         // the file holds what the marker names
  kPendingMatches,  // it does not, but "<file>.ckpt" does: the checkpoint was
                    // committed and its rename not done yet
  kDiffers,         // it exists, and neither it nor a .ckpt matches
  kUnreadable,      // it cannot be read (missing included), and no .ckpt matches
};
struct StateFileMatch {
  FileMatch match = FileMatch::kUnreadable;
  Status read_error;  // why the file could not be read (kUnreadable)
};
// Hashes each of kStateFiles in `data_dir` (and its .ckpt when the file does
// not match) against `marker`. Changes nothing.
std::array<StateFileMatch, kStateFileCount> MatchCheckpointFiles(const std::string& data_dir,
                                                                 const CheckpointMarker& marker);
// True when every file is kMatches.
bool AllMatch(const std::array<StateFileMatch, kStateFileCount>& matches);

// ---- Where an append-only log ends (datadir_tail.cc) ------------------------

// The last complete line of the first `size` bytes of the open file `fd`
// (a journal segment or a mirror log), found by reading backwards from
// `size`, at most `window` bytes (UINT64_MAX: as far as the file goes).
struct LastLine {
  uint64_t end = 0;  // just after its '\n'; 0 when no '\n' lies within the window
  // The line without its '\n', when it starts within the window (after a
  // '\n' found there, or at offset 0) and is at most kMaxLineBytes long.
  std::optional<std::string> text;
};
inline constexpr uint64_t kMaxLineBytes = 1 << 20;  // a journal record is far shorter (bodies <= 64 KiB)
// IOError naming `path` when a read fails or the file is shorter than `size`.
Result<LastLine> FindLastLine(int fd, uint64_t size, uint64_t window, const std::string& path);

// The last complete record of the journal in `journal_dir` (the last line
// ending in '\n' of the last segment that has one): its seq and its stated
// hash, read from the segment's tail without checking the chain. Seq 0
// (zero hash) when the directory is missing or holds no record.
// Corruption when that line is not "<64 hex> {...\"seq\":N...}".
Result<ChainPoint> LastJournalRecord(const std::string& journal_dir);
// As LastJournalRecord, for the segment file `path` cut at byte `end`
// (what a backup read of it). REQUIRES: end > 0. Corruption when byte
// end - 1 is not the '\n' of a record.
Result<ChainPoint> LastRecordOfSegment(const std::string& path, uint64_t end);
// The stated hash of record `seq` (> 0), found in the segment that holds
// it. NotFound when the journal does not hold that seq; Corruption when the
// line found there is not record `seq`.
Result<Digest> JournalRecordHash(const std::string& journal_dir, uint64_t seq);

}  // namespace pb::ledger
