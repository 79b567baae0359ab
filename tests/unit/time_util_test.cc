// ISO-8601 UTC timestamps: "2026-11-24T13:36:05.123Z", millisecond precision.
#include "common/time_util.h"

#include <gtest/gtest.h>

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
