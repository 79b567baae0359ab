// common/flat_json.h: the journal body's compact form read without a JSON
// parser (issue 18's replay). Whatever it accepts, simdjson must read the same.
#include "common/flat_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace pb {
namespace {

constexpr int kMax = 12;

// Whether simdjson reads `json` as an object with exactly these members.
::testing::AssertionResult SimdjsonAgrees(const std::string& json, const FlatMember* members, int n) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json).get_object().get(obj) != simdjson::SUCCESS) {
    return ::testing::AssertionFailure() << "simdjson refuses " << json;
  }
  int i = 0;
  for (auto field : obj) {
    if (i == n) return ::testing::AssertionFailure() << "simdjson reads more members in " << json;
    const FlatMember& m = members[i++];
    if (field.key != m.key) return ::testing::AssertionFailure() << "key " << field.key << " vs " << m.key;
    std::string_view text;
    uint64_t number;
    if (m.is_string ? field.value.get_string().get(text) != simdjson::SUCCESS || text != m.text
                    : field.value.get_uint64().get(number) != simdjson::SUCCESS || number != m.number) {
      return ::testing::AssertionFailure() << "value of " << m.key << " differs in " << json;
    }
  }
  if (i != n) return ::testing::AssertionFailure() << "simdjson reads fewer members in " << json;
  return ::testing::AssertionSuccess();
}

TEST(FlatJson, ReadsTheCompactFormOfEveryRecordTypeAsSimdjsonDoes) {
  const std::string body =
      R"({"seq":2,"ts":"2026-11-18T11:06:40.456Z","type":"workload","workload_id":"w-1",)"
      R"("orchestrator_id":"orch-0001","amount":"123000000000000","duration_ms":0,"balance":"123"})";
  FlatMember m[kMax];
  int n = ScanFlatObject(body, m, kMax);
  ASSERT_EQ(n, 8);
  EXPECT_EQ(m[0].key, "seq");
  EXPECT_FALSE(m[0].is_string);
  EXPECT_EQ(m[0].number, 2u);
  EXPECT_EQ(m[3].key, "workload_id");
  EXPECT_TRUE(m[3].is_string);
  EXPECT_EQ(m[3].text, "w-1");
  EXPECT_EQ(m[6].number, 0u);  // a lone zero is a number
  EXPECT_TRUE(SimdjsonAgrees(body, m, n));
  EXPECT_EQ(ScanFlatObject("{}", m, kMax), 0);
  EXPECT_EQ(ScanFlatObject(R"({"a":"","":1})", m, kMax), 2);  // empty strings and keys are plain
}

TEST(FlatJson, LeavesEverythingElseToTheJsonParser) {
  FlatMember m[kMax];
  for (const std::string bad : {
           "", "{", "}", "[]", "{ }", R"({"a":1 })", R"({ "a":1})", R"({"a" :1})", R"({"a":"b"} )",
           R"({"a":"b\"c"})", R"({"a":"b\\"})", R"({"a":"\u0041"})", "{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\x1f\"}",
           "{\"a\":\"\x7f\"}", R"({"a":01})", R"({"a":-1})", R"({"a":1.5})", R"({"a":1e3})",
           R"({"a":12345678901234567890})", R"({"a":true})", R"({"a":null})", R"({"a":{}})", R"({"a":[]})",
           R"({"a":1,})", R"({"a":1}{)", R"({"a":1}x)", R"({"a":"b)", R"({"a":)", R"({"a")", R"({a:1})",
           R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13})"}) {
    EXPECT_EQ(ScanFlatObject(bad, m, kMax), -1) << bad;
  }
}

// Every body a one-byte change makes from a real one (a byte that matters
// to JSON replacing one or inserted, or the body cut there): when the
// scanner accepts it, simdjson reads the same members. DecodeBody gives both
// readers' members to the same field reader, so its answer cannot depend on
// which one read the body.
TEST(FlatJson, AcceptsNothingSimdjsonReadsDifferentlyAroundARealBody) {
  const std::string body =
      R"({"seq":12,"ts":"2026-11-18T11:06:40.456Z","type":"adjustment","orchestrator_id":"o-1",)"
      R"("delta":"-5","reason":"r","tx_hash":"0xab","balance":"10"})";
  const std::string bytes = std::string("\"\\ 0-.e{}[],:a1\x1f\x7f\xc3") + '\0';
  std::vector<std::string> variants;
  for (size_t i = 0; i <= body.size(); ++i) {
    variants.push_back(body.substr(0, i));
    for (char b : bytes) {
      variants.push_back(body.substr(0, i) + b + body.substr(i));
      if (i < body.size()) variants.push_back(body.substr(0, i) + b + body.substr(i + 1));
    }
  }
  FlatMember m[kMax];
  int accepted = 0;
  for (const std::string& v : variants) {
    int n = ScanFlatObject(v, m, kMax);
    if (n < 0) continue;
    ++accepted;
    EXPECT_TRUE(SimdjsonAgrees(v, m, n));
  }
  EXPECT_GT(accepted, 100);  // the test reaches the scanner's accepting paths
}

}  // namespace
}  // namespace pb
