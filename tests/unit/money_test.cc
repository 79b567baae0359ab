// Money is fixed-point wei (10^-18 ETH), parsed and printed exactly.
#include "common/money.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pb {
namespace {

constexpr Wei kWei = 1;
constexpr Wei kGwei = 1000000000;

Wei ParseOk(std::string_view text, Sign sign = Sign::kUnsigned) {
  auto v = ParseEth(text, sign);
  EXPECT_TRUE(v.ok()) << "'" << text << "': " << v.status().ToString();
  return v.ok() ? *v : -1;
}

void ExpectInvalid(const Result<Wei>& v, std::string_view input) {
  ASSERT_FALSE(v.ok()) << "'" << input << "' was accepted as " << (v.ok() ? FormatWei(v.value()) : "");
  EXPECT_EQ(v.status().kind(), Status::Kind::kInvalidArgument) << input;
  EXPECT_FALSE(v.status().message().empty());
}

TEST(ParseEth, ReadsDecimalEthExactlyAsWei) {
  EXPECT_EQ(ParseOk("0.000123"), Wei{123000000000000});
  EXPECT_EQ(ParseOk("1"), kWeiPerEth);
  EXPECT_EQ(ParseOk("0"), 0);
  EXPECT_EQ(ParseOk("12.5"), 12 * kWeiPerEth + kWeiPerEth / 2);
  EXPECT_EQ(ParseOk("0.000000000000000001"), kWei);
  EXPECT_EQ(ParseOk("0.000000001"), kGwei);
  EXPECT_EQ(ParseOk("1.123456789012345678"), kWeiPerEth + Wei{123456789012345678});
  EXPECT_EQ(ParseOk("007.10"), 7 * kWeiPerEth + kWeiPerEth / 10);
}

TEST(ParseEth, AcceptsExactlyTheMaximumOfTenToTheTwelveEth) {
  EXPECT_EQ(ParseOk("1000000000000"), kMaxAmountWei);
  EXPECT_EQ(ParseOk("1000000000000.000000000000000000"), kMaxAmountWei);
  EXPECT_EQ(ParseOk("999999999999.999999999999999999"), kMaxAmountWei - 1);
}

TEST(ParseEth, RejectsAmountsAboveTheMaximum) {
  for (std::string_view text : {"1000000000000.000000000000000001", "1000000000001", "99999999999999999999999999",
                                "340282366920938463463374607431768211457"}) {
    auto v = ParseEth(text);
    ExpectInvalid(v, text);
    EXPECT_NE(v.status().message().find("too large"), std::string::npos) << v.status().message();
  }
}

TEST(ParseEth, RejectsNegativeAndSignedAmountsWhenUnsigned) {
  for (std::string_view text : {"-1", "-0.5", "+1"}) ExpectInvalid(ParseEth(text), text);
  EXPECT_NE(ParseEth("-1").status().message().find("negative"), std::string::npos);
}

TEST(ParseEth, RejectsMoreThanEighteenDecimalPlaces) {
  auto v = ParseEth("0.0000000000000000001");
  ExpectInvalid(v, "19 places");
  EXPECT_NE(v.status().message().find("18 decimal places"), std::string::npos) << v.status().message();
  ExpectInvalid(ParseEth("1.1234567890123456789"), "1.1234567890123456789");
  // Trailing zeros still count: the API takes the text literally.
  ExpectInvalid(ParseEth("1.0000000000000000000"), "1.0000000000000000000");
}

TEST(ParseEth, RejectsEverythingThatIsNotAPlainDecimal) {
  const std::vector<std::string> bad = {"",     "1.",   ".5",    "1e5",     "1E-7", "1.5e+3", " 1",   "1 ",
                                        "1 000", "1,5",  "0x10",  "abc",     "1.2.3", "NaN",  "Infinity",
                                        "-",    "+",    "--1",   std::string("1\0", 2), "１", "1.-5", "."};
  for (const auto& text : bad) ExpectInvalid(ParseEth(text, Sign::kSigned), text);
}

TEST(ParseEth, SignedParsingAcceptsALeadingSign) {
  EXPECT_EQ(ParseOk("-0.5", Sign::kSigned), -kWeiPerEth / 2);
  EXPECT_EQ(ParseOk("+2", Sign::kSigned), 2 * kWeiPerEth);
  EXPECT_EQ(ParseOk("3", Sign::kSigned), 3 * kWeiPerEth);
  EXPECT_EQ(ParseOk("-1000000000000", Sign::kSigned), -kMaxAmountWei);
  ExpectInvalid(ParseEth("-1000000000000.000000000000000001", Sign::kSigned), "below -max");
  ExpectInvalid(ParseEth("-0.0000000000000000001", Sign::kSigned), "19 places, signed");
}

TEST(FormatEth, PrintsTheShortestExactDecimal) {
  EXPECT_EQ(FormatEth(0), "0");
  EXPECT_EQ(FormatEth(Wei{123000000000000}), "0.000123");
  EXPECT_EQ(FormatEth(kWeiPerEth), "1");
  EXPECT_EQ(FormatEth(12 * kWeiPerEth), "12");
  EXPECT_EQ(FormatEth(-kWeiPerEth / 2), "-0.5");
  EXPECT_EQ(FormatEth(kWei), "0.000000000000000001");
  EXPECT_EQ(FormatEth(kMaxAmountWei), "1000000000000");
}

TEST(FormatEth, RoundTripsThroughParseEth) {
  const std::vector<Wei> values = {0,
                                   kWei,
                                   kGwei,
                                   Wei{123000000000000},
                                   kWeiPerEth,
                                   kWeiPerEth + 1,
                                   Wei{987654321987654321} * 1000,
                                   kMaxAmountWei - 1,
                                   kMaxAmountWei,
                                   -kWei,
                                   -kWeiPerEth / 3,
                                   -kMaxAmountWei};
  for (Wei w : values) {
    std::string text = FormatEth(w);
    auto back = ParseEth(text, Sign::kSigned);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    EXPECT_EQ(*back, w) << text;
  }
}

TEST(ParseLegacyEth, ReadsPythonDecimalExponentFormsExactly) {
  auto v = ParseLegacyEth("1E-7");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, Wei{100000000000});
  EXPECT_EQ(*ParseLegacyEth("1.5E+3"), 1500 * kWeiPerEth);
  EXPECT_EQ(*ParseLegacyEth("1.5e3"), 1500 * kWeiPerEth);
  EXPECT_EQ(*ParseLegacyEth("0E-18"), 0);
  EXPECT_EQ(*ParseLegacyEth("1E-18"), kWei);
  EXPECT_EQ(*ParseLegacyEth("1.23E-16"), Wei{123});
  EXPECT_EQ(*ParseLegacyEth("123.456E-2"), Wei{1234560000000000000});
  EXPECT_EQ(*ParseLegacyEth("1E+12"), kMaxAmountWei);
  EXPECT_EQ(*ParseLegacyEth("-2.5E-1"), -kWeiPerEth / 4);
}

TEST(ParseLegacyEth, ReadsPlainDecimalsLikeParseEth) {
  EXPECT_EQ(*ParseLegacyEth("0.000123"), Wei{123000000000000});
  EXPECT_EQ(*ParseLegacyEth("42"), 42 * kWeiPerEth);
}

TEST(ParseLegacyEth, AcceptsTrailingZerosBeyondEighteenPlacesWhenTheValueIsExact) {
  // str(Decimal) keeps trailing zeros: "1.000000000000000000000" is exactly 1 ETH,
  // the same value as "1.000000000000000000000E0", which is accepted.
  EXPECT_EQ(*ParseLegacyEth("1.000000000000000000000E0"), kWeiPerEth);
  auto v = ParseLegacyEth("1.000000000000000000000");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, kWeiPerEth);
  EXPECT_EQ(*ParseLegacyEth("0.1234567890123456780"), Wei{123456789012345678});
}

TEST(ParseLegacyEth, RejectsValuesThatAreNotExactInWei) {
  ExpectInvalid(ParseLegacyEth("1E-19"), "1E-19");
  ExpectInvalid(ParseLegacyEth("1.5E-18"), "1.5E-18");
  ExpectInvalid(ParseLegacyEth("0.0000000000000000001"), "19 places");
  ExpectInvalid(ParseLegacyEth("1E+13"), "above maximum");
  ExpectInvalid(ParseLegacyEth("1E-999"), "1E-999");
}

TEST(ParseLegacyEth, RejectsMalformedExponentForms) {
  for (std::string_view text : {"1E", "1E+", "1E-", "1Ex", "1E1.5", "1E12345", "E5", "-E5", ".E5", "e-7", "1 E5",
                                "1E 5", "", "NaN", "Infinity", "1..5E1"}) {
    ExpectInvalid(ParseLegacyEth(text), text);
  }
}

TEST(ParseWei, ReadsSignedIntegerWei) {
  EXPECT_EQ(*ParseWei("0"), 0);
  EXPECT_EQ(*ParseWei("123000000000000"), Wei{123000000000000});
  EXPECT_EQ(*ParseWei("-5"), Wei{-5});
  EXPECT_EQ(*ParseWei("1000000000000000000000000000000"), kMaxAmountWei);
  EXPECT_EQ(*ParseWei("-1000000000000000000000000000000"), -kMaxAmountWei);
}

TEST(ParseWei, RejectsNonIntegersAndMagnitudesAboveTheMaximum) {
  for (std::string_view text : {"", "-", "1.5", "1e3", " 1", "0x10", "abc", "1000000000000000000000000000001"}) {
    ExpectInvalid(ParseWei(text), text);
  }
}

TEST(FormatWei, PrintsIntegerWei) {
  EXPECT_EQ(FormatWei(0), "0");
  EXPECT_EQ(FormatWei(Wei{123000000000000}), "123000000000000");
  EXPECT_EQ(FormatWei(-kWeiPerEth), "-1000000000000000000");
  EXPECT_EQ(FormatWei(kMaxAmountWei), "1000000000000000000000000000000");
}

}  // namespace
}  // namespace pb
