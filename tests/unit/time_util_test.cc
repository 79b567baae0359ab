// ISO-8601 UTC timestamps: "2026-11-24T13:36:05.123Z", millisecond precision.
#include "common/time_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace pb {
namespace {

// 2026-11-24T13:36:05.123Z, computed by hand: days from 1970-01-01 to
// 2026-11-24 are 20781.
constexpr int64_t kSample = (20781LL * 86400 + 13 * 3600 + 36 * 60 + 5) * 1000 + 123;

TEST(FormatIso8601, WritesUtcWithMilliseconds) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(kSample), "2026-11-24T13:36:05.123Z");
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601(951782400000), "2000-02-29T00:00:00.000Z");
}

// The formatter is written by hand (the event loop formats a few per
// credit); it writes what gmtime_r and printf write, across eras, leap days,
// the ends of days and years, and times before 1970.
TEST(FormatIso8601, WritesWhatGmtimeAndPrintfWrite) {
  auto reference = [](int64_t millis) {
    time_t secs = static_cast<time_t>(millis / 1000);
    int ms = static_cast<int>(millis % 1000);
    if (ms < 0) {
      ms += 1000;
      --secs;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return std::string(buf);
  };
  std::vector<int64_t> samples = {0, -1, 1, 999, 1000, -999, -1000, -1001, kSample, 951782400000 /* 2000-02-29 */,
                                  4107542399999 /* 2100-02-28T23:59:59.999 */, 253402300799999 /* 9999-12-31 */,
                                  -62167219200000 /* 0000-01-01 */, 253402300800000 /* 10000-01-01 */,
                                  -62167219200001};
  uint64_t x = 88172645463325252ull;  // xorshift: spread over years 0 to 9999 and past them
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    samples.push_back(static_cast<int64_t>(x % 330000000000000ull) - 64000000000000);
  }
  for (int64_t ms : samples) ASSERT_EQ(FormatIso8601(ms), reference(ms)) << ms;
}

TEST(ParseIso8601, ReadsWhatFormatIso8601Writes) {
  for (int64_t ms : {int64_t{0}, int64_t{-1}, kSample, int64_t{951782400000}, int64_t{4102444799999},
                     int64_t{1700000000001}}) {
    auto parsed = ParseIso8601(FormatIso8601(ms));
    ASSERT_TRUE(parsed.ok()) << FormatIso8601(ms) << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, ms) << FormatIso8601(ms);
  }
}

TEST(ParseIso8601, AcceptsPythonEraForms) {
  EXPECT_EQ(*ParseIso8601("2026-11-24T13:36:05Z"), kSample - 123);
  EXPECT_EQ(*ParseIso8601("2026-11-24T13:36:05.123456Z"), kSample);     // microseconds: truncated to ms
  EXPECT_EQ(*ParseIso8601("2026-11-24T13:36:05.123456+00:00"), kSample);  // datetime.isoformat()
  EXPECT_EQ(*ParseIso8601("2026-11-24T13:36:05.123"), kSample);           // naive: taken as UTC
  EXPECT_EQ(*ParseIso8601("2026-11-24 13:36:05.123Z"), kSample);
  EXPECT_EQ(*ParseIso8601("2026-11-24T15:36:05.123+02:00"), kSample);     // other offsets are applied
  EXPECT_EQ(*ParseIso8601("2026-11-24T08:06:05.123-05:30"), kSample);
}

TEST(ParseIso8601, RejectsMalformedText) {
  const std::vector<std::string> bad = {
      "",
      "2026",
      "2026-11-24",
      "2026-11-24T13:36",
      "2026/11/24T13:36:05Z",
      "2026-11-24T13-36-05Z",
      "26-11-24T13:36:05Z",
      "2026-1-24T13:36:05Z",
      "2026-11-24X13:36:05Z",
      "2026-11-24T13:36:05X",
      "2026-11-24T13:36:05Zjunk",
      "2026-11-24T13:36:05.123Z ",
      "2026-11-24T13:36:05.Z",     // a point without digits
      "2026-11-24T13:36:05+0200",  // offset without colon
      "2026-11-24T13:36:05+02",
      "abcd-ef-ghTij:kl:mnZ",
      " 2026-11-24T13:36:05Z",
  };
  for (const auto& text : bad) {
    auto parsed = ParseIso8601(text);
    EXPECT_FALSE(parsed.ok()) << "'" << text << "' was accepted";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().kind(), Status::Kind::kInvalidArgument);
    }
  }
}

TEST(ParseIso8601, RejectsDatesAndTimesThatDoNotExist) {
  for (std::string_view text : {"2026-00-10T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-00T00:00:00Z",
                                "2026-11-32T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T13:60:00Z",
                                "2026-11-24T13:36:61Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z",
                                "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601(text).ok()) << "'" << text << "' was accepted";
  }
  EXPECT_TRUE(ParseIso8601("2024-02-29T00:00:00Z").ok());
  EXPECT_TRUE(ParseIso8601("2000-02-29T00:00:00Z").ok());
  EXPECT_TRUE(ParseIso8601("2026-12-31T23:59:59.999Z").ok());
}

TEST(ParseUtcTime, AcceptsUtcTimesWithOptionalMillisecondsAndDatesAlone) {
  EXPECT_EQ(*ParseUtcTime("2026-11-24T13:36:05Z"), kSample - 123);
  EXPECT_EQ(*ParseUtcTime("2026-11-24T13:36:05.123Z"), kSample);
  EXPECT_EQ(*ParseUtcTime("2026-11-24T13:36:05.1Z"), kSample - 23);
  EXPECT_EQ(*ParseUtcTime("2026-11-24"), 20781LL * 86400 * 1000);  // midnight UTC
  EXPECT_EQ(*ParseUtcTime("1970-01-01"), 0);
}

TEST(ParseUtcTime, RejectsEverythingElseAsInvalidArgument) {
  for (std::string_view text : {"", "2026-11-24T13:36:05", "2026-11-24 13:36:05Z", "2026-11-24T13:36:05+00:00",
                                "2026-11-24T15:36:05+02:00", "2026-11-24T13:36:05.1234Z", "2026-11-24T13:36:05.Z",
                                "2026-11-24T13:36Z", "2026-11-24Z", "2026-11-2", "2026/11/24", "2026-02-30",
                                "2026-11-24T24:00:00Z", "2026-11-24T13:36:05.12aZ", "yesterday"}) {
    auto parsed = ParseUtcTime(text);
    ASSERT_FALSE(parsed.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(parsed.status().kind(), Status::Kind::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("expected 2026-11-24T13:36:05Z"), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace pb
