// Issue 16: free text (the adjustment's reason) is counted in Unicode
// characters (code points), must be well-formed UTF-8, and holds no control
// character: C0, DEL, C1 (NEL U+0085 included), U+2028, U+2029.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"
#include "server/validate.h"

namespace pb::server::api_test {
namespace {

std::string Repeat(const std::string& piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

// "ff c0 af": bytes for a failure message.
std::string HexBytes(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out += {kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

class ApiReasonText : public ApiTest {
 protected:
  // An adjustment of +0.000001 to orch-1 with `reason_json` (JSON string
  // content, escapes allowed).
  Reply Adjust(const std::string& reason_json) {
    return Post("/api/ledger/adjustments", AdjustBody("orch-1", "0.000001", reason_json));
  }
  void ExpectRefused(const std::string& reason_json, const std::string& message_part) {
    const auto before = Snap();
    Reply reply = Adjust(reason_json);
    EXPECT_EQ(reply.response.status, 400) << reason_json << " -> " << reply.response.body;
    ExpectErrorShape(reply);
    EXPECT_NE(ErrorMessage(reply).find(message_part), std::string::npos)
        << reason_json << " -> " << ErrorMessage(reply);
    EXPECT_EQ(Snap(), before) << reason_json;
  }
  // Accepted, and recorded as the UTF-8 text `expected`.
  void ExpectAccepted(const std::string& reason_json, const std::string& expected) {
    Reply reply = Adjust(reason_json);
    ASSERT_EQ(reply.response.status, 201) << reason_json.substr(0, 80) << " -> " << reply.response.body;
    EXPECT_EQ(Str((*Parse(reply.response.body))["reason"]), expected);
  }
};

TEST_F(ApiReasonText, ControlCharactersAreRefusedWhetherEscapedOrRaw) {
  Seed();
  struct Case {
    std::string reason_json, code_point;
  };
  const std::vector<Case> cases = {
      {"next\\u0085line", "U+0085"},        // NEL, escaped
      {"next\xc2\x85" "line", "U+0085"},    // NEL, raw UTF-8
      {"line\\u2028sep", "U+2028"},         // LINE SEPARATOR
      {"line\xe2\x80\xa8" "sep", "U+2028"},
      {"para\\u2029sep", "U+2029"},         // PARAGRAPH SEPARATOR
      {"para\xe2\x80\xa9" "sep", "U+2029"},
      {"nul\\u0000x", "U+0000"},            // C0
      {"bell\\u0007", "U+0007"},
      {"tab\\there", "U+0009"},
      {"new\\nline", "U+000A"},
      {"cr\\rx", "U+000D"},
      {"us\\u001f", "U+001F"},
      {"del\\u007f", "U+007F"},             // DEL
      {"c1\\u0080", "U+0080"},              // C1, first and last
      {"c1\\u009f", "U+009F"},
      {"c1\xc2\x9b" "csi", "U+009B"},
  };
  for (const auto& c : cases) ExpectRefused(c.reason_json, "control characters (" + c.code_point);
}

TEST_F(ApiReasonText, TheMessageNamesTheCharacterAndItsPositionInCharacters) {
  Seed();
  // "é€" are 2 characters (5 bytes); U+2028 is the 3rd character.
  ExpectRefused("\xc3\xa9\xe2\x82\xac\\u2028", "U+2028 at character 3");
}

TEST_F(ApiReasonText, CharactersNextToTheRefusedRangesAreAccepted) {
  Seed();
  ExpectAccepted("\\u00a0nbsp", "\xc2\xa0nbsp");       // U+00A0, just after C1
  ExpectAccepted("~tilde", "~tilde");                  // U+007E, just before DEL
  ExpectAccepted("\\u2027 \\u202a", "\xe2\x80\xa7 \xe2\x80\xaa");  // around U+2028/2029
  ExpectAccepted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST_F(ApiReasonText, LengthIsCountedInCharactersNotBytes) {
  Seed();
  const std::string two = "\xc3\xa9";             // é: 2 bytes
  const std::string three = "\xe2\x82\xac";       // €: 3 bytes
  const std::string four = "\xf0\x9f\x98\x80";    // 😀: 4 bytes
  for (const std::string& c : {std::string("r"), two, three, four}) {
    ExpectAccepted(Repeat(c, 256), Repeat(c, 256));
    ExpectRefused(Repeat(c, 257), "1 to 256 characters (Unicode code points); it has 257");
  }
  // The same characters written as JSON escapes (a surrogate pair is one).
  ExpectAccepted(Repeat("\\u00e9", 256), Repeat(two, 256));
  ExpectAccepted(Repeat("\\ud83d\\ude00", 256), Repeat(four, 256));
  ExpectRefused(Repeat("\\ud83d\\ude00", 257), "it has 257");
  ExpectAccepted(Repeat("a", 255) + four, Repeat("a", 255) + four);
  ExpectRefused(Repeat("a", 256) + four, "it has 257");
  ExpectRefused("", "1 to 256 characters");
}

TEST_F(ApiReasonText, TextThatIsNotUtf8IsRefused) {
  Seed();
  for (const std::string& bytes : {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xe2\x82"),
                                   std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
    ExpectRefused("x" + bytes + "y", "UTF-8");
  }
  for (const std::string escaped : {"\\ud800", "\\udc00x", "\\ud83dx"}) {  // lone surrogates
    Reply reply = Adjust(escaped);
    EXPECT_EQ(reply.response.status, 400) << escaped << " -> " << reply.response.body;
  }
}

// The rule itself, on bytes the JSON parser would have caught first.
TEST(ReasonRule, RefusesMalformedUtf8AndCountsCodePoints) {
  for (const std::string& bad :
       {std::string("a\xff"), std::string("\x80"), std::string("\xc0\xaf"), std::string("\xc1\xbf"),
        std::string("\xe0\x80\xaf"), std::string("\xed\xa0\x80"), std::string("\xed\xbf\xbf"),
        std::string("\xf4\x90\x80\x80"), std::string("\xf8\x88\x80\x80\x80"), std::string("\xe2\x82"),
        std::string("ok\xf0\x9f\x98")}) {
    Status st = CheckReason(bad);
    EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument) << HexBytes(bad);
    EXPECT_NE(st.message().find("UTF-8"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(CheckReason(std::string(256, 'x')).ok());
  EXPECT_TRUE(CheckReason(Repeat("\xf4\x8f\xbf\xbf", 256)).ok());  // U+10FFFF, the last code point
  EXPECT_FALSE(CheckReason(Repeat("\xf4\x8f\xbf\xbf", 257)).ok());
  EXPECT_FALSE(CheckReason(std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace pb::server::api_test
