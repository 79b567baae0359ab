// The retention decision of `forget --keep-*` (repo/retention.h): restic's
// rules on calendar buckets in UTC, the reasons printed for each kept
// snapshot, and the refusals that keep a mistake from deleting everything.
#include "repo/retention.h"

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "common/time_util.h"

namespace pb::repo {
namespace {

using Ids = std::vector<std::string>;
using Reasons = std::vector<std::string>;

int64_t At(const char* iso) {
  Result<int64_t> t = ParseIso8601(iso);
  EXPECT_TRUE(t.ok()) << iso << ": " << t.status().ToString();
  return t.ok() ? t.value() : 0;
}

RetentionSnapshot RetentionSnap(std::string id, const char* iso, std::vector<std::string> tags = {}) {
  return RetentionSnapshot{std::move(id), At(iso), std::move(tags)};
}

// The decision, which must succeed.
std::vector<RetentionDecision> Decide(const std::vector<RetentionSnapshot>& snapshots,
                                      const RetentionPolicy& policy) {
  Result<std::vector<RetentionDecision>> r = DecideRetention(snapshots, policy);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::vector<RetentionDecision>{};
}

Ids All(const std::vector<RetentionDecision>& decisions) {
  Ids ids;
  for (const RetentionDecision& d : decisions) ids.push_back(d.id);
  return ids;
}

Ids Kept(const std::vector<RetentionDecision>& decisions) {
  Ids ids;
  for (const RetentionDecision& d : decisions) {
    if (d.keep) ids.push_back(d.id);
  }
  return ids;
}

Ids Removed(const std::vector<RetentionDecision>& decisions) {
  Ids ids;
  for (const RetentionDecision& d : decisions) {
    if (!d.keep) ids.push_back(d.id);
  }
  return ids;
}

std::map<std::string, Reasons> ReasonsById(const std::vector<RetentionDecision>& decisions) {
  std::map<std::string, Reasons> out;
  for (const RetentionDecision& d : decisions) out[d.id] = d.reasons;
  return out;
}

// Ten snapshots over three days, listed oldest first (the input order must not matter).
std::vector<RetentionSnapshot> ThreeBusyDays() {
  return {
      RetentionSnap("a", "2026-11-22T08:00:00Z"), RetentionSnap("b", "2026-11-22T20:00:00Z"), RetentionSnap("c", "2026-11-23T01:00:00Z"),
      RetentionSnap("d", "2026-11-23T09:00:00Z"), RetentionSnap("e", "2026-11-23T09:30:00Z"), RetentionSnap("f", "2026-11-23T23:59:59.999Z"),
      RetentionSnap("g", "2026-11-24T00:00:00Z"), RetentionSnap("h", "2026-11-24T06:15:00Z"), RetentionSnap("i", "2026-11-24T13:05:00Z"),
      RetentionSnap("j", "2026-11-24T13:45:00Z"),
  };
}

TEST(RetentionPolicyTest, EmptyPolicyIsRefusedWithAnOperatorMessage) {
  RetentionPolicy empty;
  EXPECT_TRUE(empty.empty());
  Status st = ValidateRetentionPolicy(empty);
  EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(st.message(), "refusing to forget every snapshot: give at least one --keep-* option");

  Result<std::vector<RetentionDecision>> r = DecideRetention(ThreeBusyDays(), empty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(r.status().message(), st.message());
}

TEST(RetentionPolicyTest, EmptyPolicyIsRefusedEvenWithNoSnapshots) {
  EXPECT_EQ(DecideRetention({}, RetentionPolicy{}).status().kind(), Status::Kind::kInvalidArgument);
}

TEST(RetentionPolicyTest, AnyOneRuleMakesThePolicyValid) {
  for (int rule = 0; rule < 7; ++rule) {
    RetentionPolicy p;
    switch (rule) {
      case 0: p.keep_last = 1; break;
      case 1: p.keep_hourly = 1; break;
      case 2: p.keep_daily = 1; break;
      case 3: p.keep_weekly = 1; break;
      case 4: p.keep_monthly = 1; break;
      case 5: p.keep_yearly = 1; break;
      case 6: p.keep_tags = {"release"}; break;
    }
    EXPECT_FALSE(p.empty()) << rule;
    EXPECT_TRUE(ValidateRetentionPolicy(p).ok()) << rule;
  }
}

TEST(RetentionPolicyTest, EmptyTagIsRefused) {
  RetentionPolicy p{.keep_last = 1, .keep_tags = {"release", ""}};
  Status st = ValidateRetentionPolicy(p);
  EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(st.message(), "--keep-tag needs a non-empty tag");
  EXPECT_FALSE(DecideRetention(ThreeBusyDays(), p).ok());
}

TEST(RetentionTest, EmptyInputGivesAnEmptyDecision) {
  Result<std::vector<RetentionDecision>> r = DecideRetention({}, RetentionPolicy{.keep_daily = 7});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r.value().empty());
  // A tags-only policy has nothing to refuse either when there is nothing to remove.
  EXPECT_TRUE(DecideRetention({}, RetentionPolicy{.keep_tags = {"release"}}).ok());
}

TEST(RetentionTest, DecisionsAreRankedNewestFirstWhateverTheInputOrder) {
  std::vector<RetentionSnapshot> snaps = ThreeBusyDays();
  const Ids newest_first = {"j", "i", "h", "g", "f", "e", "d", "c", "b", "a"};
  EXPECT_EQ(All(Decide(snaps, {.keep_last = 1})), newest_first);
  std::reverse(snaps.begin(), snaps.end());
  EXPECT_EQ(All(Decide(snaps, {.keep_last = 1})), newest_first);
  std::rotate(snaps.begin(), snaps.begin() + 3, snaps.end());
  EXPECT_EQ(All(Decide(snaps, {.keep_last = 1})), newest_first);
}

TEST(RetentionTest, KeepLastKeepsTheNNewest) {
  auto d = Decide(ThreeBusyDays(), {.keep_last = 3});
  EXPECT_EQ(Kept(d), (Ids{"j", "i", "h"}));
  EXPECT_EQ(Removed(d), (Ids{"g", "f", "e", "d", "c", "b", "a"}));
  for (const RetentionDecision& x : d) EXPECT_EQ(x.reasons, x.keep ? Reasons{"last"} : Reasons{}) << x.id;
}

TEST(RetentionTest, KeepLastLargerThanTheInputKeepsAll) {
  EXPECT_EQ(Removed(Decide(ThreeBusyDays(), {.keep_last = 100})), Ids{});
}

TEST(RetentionTest, DailyKeepsOnlyTheNewestSnapshotOfEachDay) {
  auto d = Decide(ThreeBusyDays(), {.keep_daily = 3});
  // 23:59:59.999 still belongs to the 23rd; 00:00:00 is the 24th.
  EXPECT_EQ(Kept(d), (Ids{"j", "f", "b"}));
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["j"], Reasons{"daily 2026-11-24"});
  EXPECT_EQ(reasons["f"], Reasons{"daily 2026-11-23"});
  EXPECT_EQ(reasons["b"], Reasons{"daily 2026-11-22"});
}

TEST(RetentionTest, DailyCountsOnlyDaysThatHaveSnapshots) {
  // Two days with nothing in between do not use up the count.
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("old", "2026-11-01T10:00:00Z"), RetentionSnap("mid", "2026-11-20T10:00:00Z"),
                                          RetentionSnap("new", "2026-11-24T10:00:00Z")};
  EXPECT_EQ(Kept(Decide(snaps, {.keep_daily = 2})), (Ids{"new", "mid"}));
}

TEST(RetentionTest, HourlyBucketsAreClockHours) {
  auto d = Decide(ThreeBusyDays(), {.keep_hourly = 5});
  // Hours with snapshots, newest first: 24th 13h (j, i), 24th 06h (h), 24th 00h (g),
  // 23rd 23h (f), 23rd 09h (e, d) ...
  EXPECT_EQ(Kept(d), (Ids{"j", "h", "g", "f", "e"}));
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["j"], Reasons{"hourly 2026-11-24 13"});
  EXPECT_EQ(reasons["h"], Reasons{"hourly 2026-11-24 06"});
  EXPECT_EQ(reasons["g"], Reasons{"hourly 2026-11-24 00"});
  EXPECT_EQ(reasons["f"], Reasons{"hourly 2026-11-23 23"});
  EXPECT_EQ(reasons["e"], Reasons{"hourly 2026-11-23 09"});
}

TEST(RetentionTest, WeeklyUsesIsoWeeksAcrossTheYearBoundary) {
  // 2026-W53 runs from Monday 2026-12-28 to Sunday 2027-01-03.
  std::vector<RetentionSnapshot> snaps = {
      RetentionSnap("sun-w52", "2026-12-27T23:59:59.999Z"), RetentionSnap("mon-w53", "2026-12-28T00:00:00Z"),
      RetentionSnap("thu-w53", "2026-12-31T12:00:00Z"),     RetentionSnap("fri-w53", "2027-01-01T12:00:00Z"),
      RetentionSnap("sun-w53", "2027-01-03T23:59:59.999Z"), RetentionSnap("mon-w01", "2027-01-04T00:00:00Z"),
  };
  auto d = Decide(snaps, {.keep_weekly = 3});
  EXPECT_EQ(Kept(d), (Ids{"mon-w01", "sun-w53", "sun-w52"}));
  EXPECT_EQ(Removed(d), (Ids{"fri-w53", "thu-w53", "mon-w53"}));
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["mon-w01"], Reasons{"weekly 2027-W01"});
  EXPECT_EQ(reasons["sun-w53"], Reasons{"weekly 2026-W53"});
  EXPECT_EQ(reasons["sun-w52"], Reasons{"weekly 2026-W52"});

  // The last two days of the year and the first of the next: one week, so
  // only the newest (in 2027) is kept as weekly.
  std::vector<RetentionSnapshot> straddle = {RetentionSnap("dec31", "2026-12-31T08:00:00Z"),
                                             RetentionSnap("jan01", "2027-01-01T08:00:00Z")};
  auto s = Decide(straddle, {.keep_weekly = 2});
  EXPECT_EQ(Kept(s), Ids{"jan01"});
  EXPECT_EQ(ReasonsById(s)["jan01"], Reasons{"weekly 2026-W53"});
}

TEST(RetentionTest, WeekLabelsUseTheIsoWeekBasedYear) {
  std::vector<RetentionSnapshot> snaps = {
      RetentionSnap("2020-12-31", "2020-12-31T12:00:00Z"), RetentionSnap("2021-01-03", "2021-01-03T12:00:00Z"),
      RetentionSnap("2021-01-04", "2021-01-04T12:00:00Z"), RetentionSnap("2024-12-29", "2024-12-29T12:00:00Z"),
      RetentionSnap("2024-12-30", "2024-12-30T12:00:00Z"), RetentionSnap("2026-11-24", "2026-11-24T12:00:00Z"),
  };
  auto d = Decide(snaps, {.keep_weekly = 10});
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["2020-12-31"], Reasons{});  // same week as 2021-01-03, which is newer
  EXPECT_EQ(reasons["2021-01-03"], Reasons{"weekly 2020-W53"});
  EXPECT_EQ(reasons["2021-01-04"], Reasons{"weekly 2021-W01"});
  EXPECT_EQ(reasons["2024-12-29"], Reasons{"weekly 2024-W52"});
  EXPECT_EQ(reasons["2024-12-30"], Reasons{"weekly 2025-W01"});
  EXPECT_EQ(reasons["2026-11-24"], Reasons{"weekly 2026-W48"});
}

TEST(RetentionTest, MonthlyAndYearlyBucketsSplitAtMidnightUtc) {
  std::vector<RetentionSnapshot> snaps = {
      RetentionSnap("jan-early", "2026-01-01T00:00:00Z"), RetentionSnap("jan-last", "2026-01-31T23:59:59.999Z"),
      RetentionSnap("feb-first", "2026-02-01T00:00:00Z"), RetentionSnap("dec-last", "2026-12-31T23:59:59.999Z"),
      RetentionSnap("y2027", "2027-01-01T00:00:00Z"),     RetentionSnap("leap", "2028-02-29T12:00:00Z"),
  };
  auto m = Decide(snaps, {.keep_monthly = 10});
  EXPECT_EQ(Kept(m), (Ids{"leap", "y2027", "dec-last", "feb-first", "jan-last"}));
  auto mr = ReasonsById(m);
  EXPECT_EQ(mr["leap"], Reasons{"monthly 2028-02"});
  EXPECT_EQ(mr["y2027"], Reasons{"monthly 2027-01"});
  EXPECT_EQ(mr["dec-last"], Reasons{"monthly 2026-12"});
  EXPECT_EQ(mr["feb-first"], Reasons{"monthly 2026-02"});
  EXPECT_EQ(mr["jan-last"], Reasons{"monthly 2026-01"});

  // 2026-12-31 and 2027-01-01 share an ISO week but not a year.
  auto y = Decide(snaps, {.keep_yearly = 2});
  EXPECT_EQ(Kept(y), (Ids{"leap", "y2027"}));
  EXPECT_EQ(ReasonsById(y)["y2027"], Reasons{"yearly 2027"});
  auto y3 = Decide(snaps, {.keep_yearly = 3});
  EXPECT_EQ(Kept(y3), (Ids{"leap", "y2027", "dec-last"}));
  EXPECT_EQ(ReasonsById(y3)["dec-last"], Reasons{"yearly 2026"});
}

TEST(RetentionTest, KeepLastCombinedWithDailyRecordsEveryReason) {
  auto d = Decide(ThreeBusyDays(), {.keep_last = 2, .keep_daily = 2});
  EXPECT_EQ(Kept(d), (Ids{"j", "i", "f"}));
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["j"], (Reasons{"last", "daily 2026-11-24"}));
  EXPECT_EQ(reasons["i"], Reasons{"last"});
  EXPECT_EQ(reasons["f"], Reasons{"daily 2026-11-23"});
}

TEST(RetentionTest, ReasonsFollowTheOrderOfTheRules) {
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("only", "2026-11-24T13:36:05.123Z", {"nightly", "release"})};
  RetentionPolicy p{.keep_last = 1,
                    .keep_hourly = 1,
                    .keep_daily = 1,
                    .keep_weekly = 1,
                    .keep_monthly = 1,
                    .keep_yearly = 1,
                    .keep_tags = {"release", "nightly"}};
  auto d = Decide(snaps, p);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].keep);
  EXPECT_EQ(d[0].time_ms, At("2026-11-24T13:36:05.123Z"));
  EXPECT_EQ(d[0].reasons, (Reasons{"last", "hourly 2026-11-24 13", "daily 2026-11-24", "weekly 2026-W48",
                                   "monthly 2026-11", "yearly 2026", "tag release", "tag nightly"}));
}

TEST(RetentionTest, FewerBucketsThanNKeepsEachBucketsNewest) {
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("d1", "2026-11-22T10:00:00Z"), RetentionSnap("d2", "2026-11-23T10:00:00Z"),
                                          RetentionSnap("d3", "2026-11-24T10:00:00Z")};
  EXPECT_EQ(Kept(Decide(snaps, {.keep_daily = 7})), (Ids{"d3", "d2", "d1"}));
  EXPECT_EQ(Kept(Decide(snaps, {.keep_monthly = 12})), Ids{"d3"});
  // No extra "oldest" snapshot (restic >= 0.17 would keep d0 too): a bucket
  // keeps its newest only, however many buckets are missing.
  snaps.push_back(RetentionSnap("d0", "2026-11-22T09:00:00Z"));
  EXPECT_EQ(Kept(Decide(snaps, {.keep_daily = 7})), (Ids{"d3", "d2", "d1"}));
}

TEST(RetentionTest, HugeCountsActAsUnlimited) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  EXPECT_EQ(Kept(Decide(ThreeBusyDays(), {.keep_last = kMax})).size(), 10u);
  EXPECT_EQ(Kept(Decide(ThreeBusyDays(), {.keep_hourly = kMax})), (Ids{"j", "h", "g", "f", "e", "c", "b", "a"}));
}

TEST(RetentionTest, KeepTagKeepsEverySnapshotCarryingAnyOfTheTags) {
  std::vector<RetentionSnapshot> snaps = {
      RetentionSnap("a", "2026-11-20T10:00:00Z", {"release"}),
      RetentionSnap("b", "2026-11-21T10:00:00Z", {"nightly"}),
      RetentionSnap("c", "2026-11-22T10:00:00Z", {"nightly", "audit"}),
      RetentionSnap("d", "2026-11-23T10:00:00Z", {"Release"}),  // tags are case-sensitive
      RetentionSnap("e", "2026-11-24T10:00:00Z"),
  };
  auto one = Decide(snaps, {.keep_tags = {"release"}});
  EXPECT_EQ(Kept(one), Ids{"a"});
  EXPECT_EQ(ReasonsById(one)["a"], Reasons{"tag release"});

  auto two = Decide(snaps, {.keep_tags = {"audit", "release"}});
  EXPECT_EQ(Kept(two), (Ids{"c", "a"}));
  EXPECT_EQ(Removed(two), (Ids{"e", "d", "b"}));

  auto with_last = Decide(snaps, {.keep_last = 1, .keep_tags = {"nightly"}});
  EXPECT_EQ(Kept(with_last), (Ids{"e", "c", "b"}));
  EXPECT_EQ(ReasonsById(with_last)["e"], Reasons{"last"});
  EXPECT_EQ(ReasonsById(with_last)["c"], Reasons{"tag nightly"});
}

TEST(RetentionTest, TagsOnlyPolicyThatWouldKeepNothingIsRefused) {
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("a", "2026-11-20T10:00:00Z", {"nightly"}),
                                          RetentionSnap("b", "2026-11-21T10:00:00Z")};
  Result<std::vector<RetentionDecision>> r = DecideRetention(snaps, {.keep_tags = {"relaese", "audit"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "refusing to forget every snapshot: none of the 2 snapshots is tagged \"relaese\" or \"audit\" "
            "(policy: keep tag \"relaese\", tag \"audit\")");
}

TEST(RetentionTest, EqualTimesAreRankedById) {
  // Three snapshots in the same millisecond: the smallest id counts as the newest.
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("b", "2026-11-24T10:00:00Z"), RetentionSnap("c", "2026-11-24T10:00:00Z"),
                                          RetentionSnap("a", "2026-11-24T10:00:00Z"), RetentionSnap("z", "2026-11-24T09:00:00Z")};
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(All(Decide(snaps, {.keep_last = 1})), (Ids{"a", "b", "c", "z"}));
    EXPECT_EQ(Kept(Decide(snaps, {.keep_last = 2})), (Ids{"a", "b"}));
    EXPECT_EQ(Kept(Decide(snaps, {.keep_daily = 1})), Ids{"a"});
    EXPECT_EQ(Kept(Decide(snaps, {.keep_hourly = 2})), (Ids{"a", "z"}));
    std::reverse(snaps.begin(), snaps.end());
  }
}

TEST(RetentionTest, DuplicateOrEmptyIdsAreRefused) {
  std::vector<RetentionSnapshot> dup = {RetentionSnap("a", "2026-11-24T10:00:00Z"), RetentionSnap("a", "2026-11-23T10:00:00Z")};
  Result<std::vector<RetentionDecision>> r = DecideRetention(dup, {.keep_last = 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "snapshot a was given to forget twice");

  std::vector<RetentionSnapshot> unnamed = {RetentionSnap("", "2026-11-24T10:00:00Z")};
  EXPECT_EQ(DecideRetention(unnamed, {.keep_last = 1}).status().kind(), Status::Kind::kInvalidArgument);
}

TEST(RetentionTest, TimesBefore1970FallInTheRightBuckets) {
  std::vector<RetentionSnapshot> snaps = {RetentionSnap("before", "1969-12-31T23:59:59.999Z"),
                                          RetentionSnap("epoch", "1970-01-01T00:00:00Z")};
  auto d = Decide(snaps, {.keep_hourly = 2, .keep_daily = 2, .keep_weekly = 2, .keep_yearly = 2});
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["epoch"], (Reasons{"hourly 1970-01-01 00", "daily 1970-01-01", "weekly 1970-W01", "yearly 1970"}));
  // Same ISO week (1970-W01 starts on Monday 1969-12-29), so no weekly reason.
  EXPECT_EQ(reasons["before"], (Reasons{"hourly 1969-12-31 23", "daily 1969-12-31", "yearly 1969"}));
}

TEST(RetentionTest, BucketLabelsAgreeWithTheCLibraryForEveryDayFrom1900To2100) {
  // gmtime + strftime("%G-W%V") is an independent implementation of the
  // calendar; noon of each day, one snapshot per call.
  const int64_t first = At("1900-01-01T12:00:00Z");
  const int64_t last = At("2100-12-31T12:00:00Z");
  RetentionPolicy p{.keep_daily = 1, .keep_weekly = 1, .keep_monthly = 1, .keep_yearly = 1};
  int mismatches = 0;
  for (int64_t t = first; t <= last && mismatches < 5; t += 86400 * 1000) {
    time_t secs = static_cast<time_t>(t / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char day[32], week[32], month[32], year[32];
    strftime(day, sizeof day, "daily %Y-%m-%d", &tm);
    strftime(week, sizeof week, "weekly %G-W%V", &tm);
    strftime(month, sizeof month, "monthly %Y-%m", &tm);
    strftime(year, sizeof year, "yearly %Y", &tm);
    auto d = Decide({RetentionSnapshot{"s", t, {}}}, p);
    ASSERT_EQ(d.size(), 1u);
    Reasons want = {day, week, month, year};
    if (d[0].reasons != want) {
      ++mismatches;
      ADD_FAILURE() << FormatIso8601(t) << ": got " << ::testing::PrintToString(d[0].reasons) << ", want "
                    << ::testing::PrintToString(want);
    }
  }
}

TEST(RetentionTest, ResticDocumentationExampleTwelveSundays) {
  // restic's doc/060_forget.rst: one backup every Sunday for 12 weeks,
  // `forget --keep-daily 4` keeps the last four Sundays.
  std::vector<RetentionSnapshot> snaps = {
      RetentionSnap("0a1f9759", "2019-09-01T11:00:00Z"), RetentionSnap("46cfe4d5", "2019-09-08T11:00:00Z"),
      RetentionSnap("f6b1f037", "2019-09-15T11:00:00Z"), RetentionSnap("eb430a5d", "2019-09-22T11:00:00Z"),
      RetentionSnap("8cf1cb9a", "2019-09-29T11:00:00Z"), RetentionSnap("5d33b116", "2019-10-06T11:00:00Z"),
      RetentionSnap("b9553125", "2019-10-13T11:00:00Z"), RetentionSnap("e1a7b58b", "2019-10-20T11:00:00Z"),
      RetentionSnap("8f8018c0", "2019-10-27T11:00:00Z"), RetentionSnap("59403279", "2019-11-03T11:00:00Z"),
      RetentionSnap("dfee9fb4", "2019-11-10T11:00:00Z"), RetentionSnap("e1ae2f40", "2019-11-17T11:00:00Z"),
  };
  auto d = Decide(snaps, {.keep_daily = 4});
  EXPECT_EQ(Kept(d), (Ids{"e1ae2f40", "dfee9fb4", "59403279", "8f8018c0"}));
  EXPECT_EQ(Removed(d).size(), 8u);
}

TEST(RetentionTest, TwoYearsOfDailyBackupsUnderAGrandfatherPolicy) {
  // One backup at noon every day of 2025 and 2026, ids = dates;
  // --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75.
  std::vector<RetentionSnapshot> snaps;
  for (int64_t t = At("2025-01-01T12:00:00Z"); t <= At("2026-12-31T12:00:00Z"); t += 86400 * 1000) {
    snaps.push_back(RetentionSnapshot{FormatIso8601(t).substr(0, 10), t, {}});
  }
  ASSERT_EQ(snaps.size(), 730u);
  auto d = Decide(snaps, {.keep_daily = 7, .keep_weekly = 5, .keep_monthly = 12, .keep_yearly = 75});
  EXPECT_EQ(Kept(d), (Ids{
                         // daily: the last 7 days
                         "2026-12-31", "2026-12-30", "2026-12-29", "2026-12-28", "2026-12-27", "2026-12-26",
                         "2026-12-25",
                         // weekly: Sundays of W51, W50, W49 (W53 and W52 are dailies already)
                         "2026-12-20", "2026-12-13", "2026-12-06",
                         // monthly: last day of each month of 2026 but December
                         "2026-11-30", "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30",
                         "2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31",
                         // yearly: 2026 is a daily already
                         "2025-12-31"}));
  auto reasons = ReasonsById(d);
  EXPECT_EQ(reasons["2026-12-31"],
            (Reasons{"daily 2026-12-31", "weekly 2026-W53", "monthly 2026-12", "yearly 2026"}));
  EXPECT_EQ(reasons["2026-12-27"], (Reasons{"daily 2026-12-27", "weekly 2026-W52"}));
  EXPECT_EQ(reasons["2026-12-06"], Reasons{"weekly 2026-W49"});
  EXPECT_EQ(reasons["2026-01-31"], Reasons{"monthly 2026-01"});
  EXPECT_EQ(reasons["2025-12-31"], Reasons{"yearly 2025"});
}

TEST(RetentionTest, DescribePolicyNamesTheActiveRules) {
  EXPECT_EQ(DescribePolicy({}), "keep nothing (no --keep-* option)");
  EXPECT_EQ(DescribePolicy({.keep_daily = 7}), "keep daily 7");
  EXPECT_EQ(DescribePolicy({.keep_last = 3, .keep_daily = 7, .keep_weekly = 4, .keep_tags = {"release"}}),
            "keep last 3, daily 7, weekly 4, tag \"release\"");
  EXPECT_EQ(DescribePolicy({.keep_last = 1,
                            .keep_hourly = 24,
                            .keep_daily = 7,
                            .keep_weekly = 5,
                            .keep_monthly = 12,
                            .keep_yearly = 3,
                            .keep_tags = {"a b", "q\"t"}}),
            "keep last 1, hourly 24, daily 7, weekly 5, monthly 12, yearly 3, tag \"a b\", tag \"q\\\"t\"");
}

}  // namespace
}  // namespace pb::repo
