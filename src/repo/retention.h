// repo/: the encrypted, deduplicated backup repository. This header owns the
// retention decision of `paymentsctl forget --keep-*`: given the snapshots and
// a policy, which snapshots to keep, which to remove, and why. It is pure
// (no repository, no clock, no I/O); repo/forget_plan.h applies it to each
// group of snapshots and makes the plan forget prints and then carries out.
//
// SEMANTICS (those of `restic forget`; doc/060_forget.rst in restic).
//
// Order. Snapshots are ranked newest first: by time descending, and among
// equal times by id ascending (the smaller id counts as the newer one), so the
// decision never depends on the order of the input.
//
// Rules. A snapshot is kept when at least one rule keeps it (the rules are
// ORed) and removed otherwise; it records every rule that keeps it.
//   keep_last N     the N first snapshots of the ranking.       reason "last"
//   keep_within D   every snapshot strictly newer than the newest snapshot's
//                   time minus D (restic's --keep-within: relative to the
//                   newest snapshot given, never to the clock, so a group
//                   whose backups stopped keeps its last D of history).
//                   D in whole hours; reason "within 7d" / "within 36h"
//   keep_hourly N   walking the ranking, the first snapshot of each of the first
//   keep_daily N    N distinct calendar buckets met, i.e. the newest snapshot
//   keep_weekly N   in each of the N most recent hours/days/weeks/months/years
//   keep_monthly N  that have at least one snapshot. Empty periods do not
//   keep_yearly N   count. Fewer such buckets than N: each one's newest is kept.
//   keep_tags       every snapshot carrying at least one of the tags (exact,
//                   case-sensitive match).                       reason "tag <T>"
// Buckets are calendar periods in UTC, not windows relative to now:
//   hour  "hourly 2026-11-24 13"   (YYYY-MM-DD HH)
//   day   "daily 2026-11-24"
//   week  "weekly 2026-W48"        ISO 8601: Monday 00:00 to Sunday 23:59:59.999,
//                                  numbered in the ISO week-based year, so
//                                  2026-12-31 and 2027-01-01 are both 2026-W53
//   month "monthly 2026-11"
//   year  "yearly 2026"
// The reason strings above are the exact text in RetentionDecision::reasons,
// listed in the order last, within, hourly, daily, weekly, monthly, yearly,
// then tags in policy order.
//
// Safety. The decision refuses (InvalidArgument, nothing decided) rather than
// let a mistake delete every snapshot:
//   - a policy with all counts 0, no --keep-within and no tag ("give at
//     least one --keep-*");
//   - a non-empty input of which the policy would keep nothing, which only a
//     tags-only policy whose tags no snapshot carries can cause (restic also
//     refuses to forget the last snapshot of a group this way);
//   - an empty tag, an empty snapshot id, or the same id twice (each would
//     silently change what is counted).
// With any count >= 1, or keep_within, the newest snapshot is always kept.
//
// Deliberate differences from restic: --keep-within takes days and hours
// only (7d, 36h, 2d12h; restic also takes months and years, and its "m" is
// months, which would read as minutes elsewhere in paymentsctl: give 30d, or
// use --keep-monthly), no --keep-within-hourly/daily/..., no
// "unlimited" (pass a count larger than the number of snapshots), one tag per
// --keep-tag (restic's "a,b" meaning "both tags" is not supported; several
// keep_tags are ORed), and no extra "oldest" snapshot when there are fewer
// buckets than N (restic >= 0.17 additionally keeps the oldest snapshot then;
// here a bucket keeps only its newest). The snapshots given are one group:
// repo/forget_plan.h groups them by host and data directory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb::repo {

// One snapshot as the retention decision sees it.
struct RetentionSnapshot {
  std::string id;                 // unique, non-empty (the snapshot file's name)
  int64_t time_ms = 0;            // snapshot time, milliseconds since the Unix epoch (UTC)
  std::vector<std::string> tags;  // in any order; duplicates are harmless
};

// The --keep-* options. Counts are numbers of snapshots (keep_last) or of
// calendar buckets that have a snapshot (the others); 0 means "rule off".
struct RetentionPolicy {
  uint32_t keep_last = 0;
  uint32_t keep_within_hours = 0;  // 0: off (ParseKeepWithin reads --keep-within)
  uint32_t keep_hourly = 0;
  uint32_t keep_daily = 0;
  uint32_t keep_weekly = 0;
  uint32_t keep_monthly = 0;
  uint32_t keep_yearly = 0;
  std::vector<std::string> keep_tags;  // non-empty strings; a snapshot with any of them is kept

  // True when no rule is on: such a policy would keep nothing.
  bool empty() const;
};

// The verdict on one snapshot.
struct RetentionDecision {
  std::string id;
  int64_t time_ms = 0;
  bool keep = false;
  // Why it is kept (see "Rules" above); empty exactly when keep is false.
  std::vector<std::string> reasons;
};

// Ok if `policy` can be applied: at least one count > 0 or one tag, and no
// empty tag. Otherwise InvalidArgument with the operator-facing message, e.g.
// "refusing to forget every snapshot: give at least one --keep-* option".
Status ValidateRetentionPolicy(const RetentionPolicy& policy);

// Decides, for every snapshot of `snapshots`, keep or remove under `policy`.
// Returns one decision per input snapshot, ranked newest first (see "Order").
// An empty input gives an empty result (the policy is still validated).
// Errors (InvalidArgument, no decision returned): the policy fails
// ValidateRetentionPolicy; an id is empty or appears twice; or the input is
// non-empty and the policy would keep none of it.
Result<std::vector<RetentionDecision>> DecideRetention(const std::vector<RetentionSnapshot>& snapshots,
                                                       const RetentionPolicy& policy);

// Reads --keep-within: a positive number of days and/or hours, "7d", "36h",
// "2d12h", at most 100 years. InvalidArgument naming the accepted forms
// otherwise (a bare number, minutes, months, years, 0, a sign).
Result<uint32_t> ParseKeepWithin(std::string_view text);

// The duration of `hours` as ParseKeepWithin reads it back: "7d" when whole
// days, else "36h".
std::string FormatKeepWithin(uint32_t hours);

// One line for messages, naming the active rules in the order above, e.g.
// `keep last 3, within 7d, daily 7, weekly 4, tag "release"`; the empty policy is
// "keep nothing (no --keep-* option)". Tags are quoted with JSON escaping.
std::string DescribePolicy(const RetentionPolicy& policy);

}  // namespace pb::repo
