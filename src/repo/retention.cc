#include "repo/retention.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "common/json_text.h"
#include "common/time_util.h"

namespace pb::repo {

namespace {

constexpr int64_t kMillisPerHour = 3600 * 1000;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

// Floor division: correct for times before 1970 as well.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

enum class Period { kHour, kDay, kWeek, kMonth, kYear };

// A calendar bucket: `key` orders buckets in time (equal keys = same bucket),
// `label` is the text of the reason.
struct Bucket {
  int64_t key;
  std::string label;
};

Bucket BucketOf(Period period, int64_t time_ms) {
  const int64_t days = FloorDiv(time_ms, kMillisPerDay);
  const CivilDate date = CivilFromDays(days);
  char buf[96];
  switch (period) {
    case Period::kHour: {
      const int64_t hours = FloorDiv(time_ms, kMillisPerHour);
      std::snprintf(buf, sizeof buf, "hourly %04" PRId64 "-%02u-%02u %02" PRId64, date.year, date.month, date.day,
                    hours - days * 24);
      return {hours, buf};
    }
    case Period::kDay:
      std::snprintf(buf, sizeof buf, "daily %04" PRId64 "-%02u-%02u", date.year, date.month, date.day);
      return {days, buf};
    case Period::kWeek: {
      // 1970-01-01 was a Thursday, so week w (Monday-based) runs from day
      // 7w-3 to 7w+3 and its Thursday is day 7w. An ISO week belongs to the
      // year of its Thursday and is numbered from that year's first Thursday.
      const int64_t week = FloorDiv(days + 3, 7);
      const int64_t thursday = week * 7;
      const int64_t iso_year = CivilFromDays(thursday).year;
      const int64_t iso_week = (thursday - DaysFromCivil(iso_year, 1, 1)) / 7 + 1;
      std::snprintf(buf, sizeof buf, "weekly %04" PRId64 "-W%02" PRId64, iso_year, iso_week);
      return {week, buf};
    }
    case Period::kMonth:
      std::snprintf(buf, sizeof buf, "monthly %04" PRId64 "-%02u", date.year, date.month);
      return {date.year * 12 + (date.month - 1), buf};
    case Period::kYear:
      std::snprintf(buf, sizeof buf, "yearly %04" PRId64, date.year);
      return {date.year, buf};
  }
  return {0, ""};  // unreachable
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string QuotedList(const std::vector<std::string>& tags) {
  std::string out;
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) out += i + 1 == tags.size() ? " or " : ", ";
    out += Quoted(tags[i]);
  }
  return out;
}

}  // namespace

bool RetentionPolicy::empty() const {
  return keep_last == 0 && keep_within_hours == 0 && keep_hourly == 0 && keep_daily == 0 && keep_weekly == 0 &&
         keep_monthly == 0 && keep_yearly == 0 && keep_tags.empty();
}

Status ValidateRetentionPolicy(const RetentionPolicy& policy) {
  if (policy.empty()) {
    return Status::InvalidArgument("refusing to forget every snapshot: give at least one --keep-* option");
  }
  for (const std::string& tag : policy.keep_tags) {
    if (tag.empty()) return Status::InvalidArgument("--keep-tag needs a non-empty tag");
  }
  return Status::Ok();
}

Result<uint32_t> ParseKeepWithin(std::string_view text) {
  constexpr uint64_t kMaxHours = uint64_t{100} * 366 * 24;
  auto refuse = [&] {
    return Status::InvalidArgument("--keep-within \"" + std::string(text) +
                                   "\" is not a duration: give days and/or hours, e.g. 7d, 36h or 2d12h (months "
                                   "and years are not accepted: use days, or --keep-monthly/--keep-yearly)");
  };
  uint64_t hours = 0;
  size_t i = 0;
  for (char unit : {'d', 'h'}) {
    size_t digits = 0;
    uint64_t value = 0;
    while (i + digits < text.size() && text[i + digits] >= '0' && text[i + digits] <= '9' && digits < 9) {
      value = value * 10 + static_cast<uint64_t>(text[i + digits] - '0');
      ++digits;
    }
    if (digits == 0 || i + digits >= text.size() || text[i + digits] != unit) continue;  // this unit is absent
    hours += unit == 'd' ? value * 24 : value;
    i += digits + 1;
  }
  if (i == 0 || i != text.size() || hours == 0 || hours > kMaxHours) return refuse();
  return static_cast<uint32_t>(hours);
}

std::string FormatKeepWithin(uint32_t hours) {
  return hours % 24 == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours) + "h";
}

namespace {

// InvalidArgument when an id is empty or appears twice.
Status CheckIds(const std::vector<RetentionSnapshot>& snapshots) {
  std::unordered_set<std::string_view> ids;
  for (const RetentionSnapshot& s : snapshots) {
    if (s.id.empty()) return Status::InvalidArgument("a snapshot without id was given to forget");
    if (!ids.insert(s.id).second) {
      return Status::InvalidArgument("snapshot " + s.id + " was given to forget twice");
    }
  }
  return Status::Ok();
}

// Adds the reasons of the calendar rules (hourly ... yearly) to `decisions`,
// which are in the order of `ranked`.
void ApplyCalendarRules(const std::vector<const RetentionSnapshot*>& ranked, const RetentionPolicy& policy,
                        std::vector<RetentionDecision>* decisions) {
  const std::array<std::pair<Period, uint32_t>, 5> calendar = {{{Period::kHour, policy.keep_hourly},
                                                                {Period::kDay, policy.keep_daily},
                                                                {Period::kWeek, policy.keep_weekly},
                                                                {Period::kMonth, policy.keep_monthly},
                                                                {Period::kYear, policy.keep_yearly}}};
  for (const auto& [period, count] : calendar) {
    uint32_t buckets_kept = 0;
    std::optional<int64_t> current;  // key of the bucket of the previous snapshot
    // Bucket keys never increase along the ranking, so one bucket's snapshots
    // are adjacent and the first of them is its newest.
    for (size_t i = 0; i < ranked.size() && buckets_kept < count; ++i) {
      Bucket bucket = BucketOf(period, ranked[i]->time_ms);
      if (current == bucket.key) continue;
      current = bucket.key;
      (*decisions)[i].reasons.push_back(std::move(bucket.label));
      ++buckets_kept;
    }
  }
}

}  // namespace

Result<std::vector<RetentionDecision>> DecideRetention(const std::vector<RetentionSnapshot>& snapshots,
                                                       const RetentionPolicy& policy) {
  PB_RETURN_IF_ERROR(ValidateRetentionPolicy(policy));
  PB_RETURN_IF_ERROR(CheckIds(snapshots));

  // The ranking: newest first, equal times by id ascending.
  std::vector<const RetentionSnapshot*> ranked;
  ranked.reserve(snapshots.size());
  for (const RetentionSnapshot& s : snapshots) ranked.push_back(&s);
  std::sort(ranked.begin(), ranked.end(), [](const RetentionSnapshot* a, const RetentionSnapshot* b) {
    if (a->time_ms != b->time_ms) return a->time_ms > b->time_ms;
    return a->id < b->id;
  });

  std::vector<RetentionDecision> decisions(ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    decisions[i].id = ranked[i]->id;
    decisions[i].time_ms = ranked[i]->time_ms;
  }

  for (size_t i = 0; i < ranked.size() && i < policy.keep_last; ++i) decisions[i].reasons.push_back("last");
  if (policy.keep_within_hours > 0 && !ranked.empty()) {
    const int64_t after = ranked[0]->time_ms - int64_t{policy.keep_within_hours} * kMillisPerHour;
    const std::string reason = "within " + FormatKeepWithin(policy.keep_within_hours);
    for (size_t i = 0; i < ranked.size() && ranked[i]->time_ms > after; ++i) decisions[i].reasons.push_back(reason);
  }
  ApplyCalendarRules(ranked, policy, &decisions);

  for (size_t i = 0; i < ranked.size(); ++i) {
    const std::vector<std::string>& tags = ranked[i]->tags;
    for (const std::string& keep_tag : policy.keep_tags) {
      if (std::find(tags.begin(), tags.end(), keep_tag) != tags.end()) decisions[i].reasons.push_back("tag " + keep_tag);
    }
  }

  bool any_kept = false;
  for (RetentionDecision& d : decisions) {
    d.keep = !d.reasons.empty();
    any_kept = any_kept || d.keep;
  }
  if (!decisions.empty() && !any_kept) {
    return Status::InvalidArgument("refusing to forget every snapshot: none of the " +
                                   std::to_string(decisions.size()) + " snapshots is tagged " +
                                   QuotedList(policy.keep_tags) + " (policy: " + DescribePolicy(policy) + ")");
  }
  return decisions;
}

std::string DescribePolicy(const RetentionPolicy& policy) {
  if (policy.empty()) return "keep nothing (no --keep-* option)";
  std::string out = "keep";
  bool first = true;
  auto add = [&](const std::string& part) {
    out += first ? " " : ", ";
    out += part;
    first = false;
  };
  if (policy.keep_last > 0) add("last " + std::to_string(policy.keep_last));
  if (policy.keep_within_hours > 0) add("within " + FormatKeepWithin(policy.keep_within_hours));
  const std::array<std::pair<const char*, uint32_t>, 5> counts = {{{"hourly", policy.keep_hourly},
                                                                   {"daily", policy.keep_daily},
                                                                   {"weekly", policy.keep_weekly},
                                                                   {"monthly", policy.keep_monthly},
                                                                   {"yearly", policy.keep_yearly}}};
  for (const auto& [name, count] : counts) {
    if (count > 0) add(std::string(name) + " " + std::to_string(count));
  }
  for (const std::string& tag : policy.keep_tags) add("tag " + Quoted(tag));
  return out;
}

}  // namespace pb::repo
