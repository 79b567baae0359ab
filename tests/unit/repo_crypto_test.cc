// The repository's cryptography and compression: sealed messages authenticate
// every byte, blob ids are keyed, key files open only with the password, and
// no input, however damaged, crashes Open, DecodeKeyFile or Decompress.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/compress.h"
#include "repo/crypto.h"

namespace pb::repo {
namespace {

std::string SeededBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

// Text that zstd shrinks well but not trivially.
std::string Compressible(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i) s += "payment " + std::to_string(i % 97) + " of 0.0001 ETH settled; ";
  s.resize(n);
  return s;
}

bool SameKey(const MasterKey& a, const MasterKey& b) {
  return a.encryption == b.encryption && a.blob_id == b.blob_id && a.chunker == b.chunker;
}

// Independent base64 (OpenSSL) for inspecting and tampering with key files.
std::string Base64Decode(std::string_view b64) {
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  EXPECT_GE(n, 0) << b64;
  out.resize(n < 0 ? 0 : n);
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) out.pop_back();
  return out;
}

std::string Base64Encode(std::string_view bin) {
  std::string out(4 * ((bin.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bin.data()), static_cast<int>(bin.size()));
  out.resize(n);
  return out;
}

// The value of a string field of a one-line JSON object, as written.
std::string StringField(const std::string& json, const std::string& field) {
  simdjson::dom::parser parser;
  std::string_view v;
  EXPECT_EQ(parser.parse(json)[field].get_string().get(v), simdjson::SUCCESS) << field << " in " << json;
  return std::string(v);
}

// `json` with the value text of `field` (quotes included for strings) replaced.
std::string ReplaceValue(const std::string& json, const std::string& field, const std::string& new_value) {
  size_t key = json.find("\"" + field + "\":");
  EXPECT_NE(key, std::string::npos) << field;
  size_t start = key + field.size() + 3;
  size_t end = json[start] == '"' ? json.find('"', start + 1) + 1 : json.find_first_of(",}", start);
  return json.substr(0, start) + new_value + json.substr(end);
}

std::string RemoveField(const std::string& json, const std::string& field) {
  std::string marked = ReplaceValue(json, field, "@");
  size_t at = marked.find("\"" + field + "\":@");
  size_t len = field.size() + 4;
  if (marked[at + len] == ',') ++len;        // "field":@,
  else if (marked[at - 1] == ',') --at, ++len;  // ,"field":@ (last field)
  return marked.erase(at, len);
}

void ExpectCorruption(const Result<MasterKey>& r, std::string_view mentions, const std::string& input) {
  ASSERT_FALSE(r.ok()) << "accepted: " << input;
  EXPECT_EQ(r.status().kind(), Status::Kind::kCorruption) << r.status().ToString() << "\n" << input;
  EXPECT_NE(r.status().message().find(mentions), std::string::npos)
      << "'" << r.status().message() << "' does not mention '" << mentions << "'";
}

// ---------------------------------------------------------------- Seal / Open

TEST(Seal, OpenReturnsThePlaintextForEmptyOneByteAndOneMebibyteMessages) {
  MasterKey key = MasterKey::Generate();
  for (const std::string& plaintext : {std::string(), std::string("x"), SeededBytes(1 << 20, 1)}) {
    std::string sealed = Seal(key, plaintext);
    auto opened = Open(key, sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plaintext) << "size " << plaintext.size();
  }
}

TEST(Seal, OutputIsNoncePlusCiphertextPlusTagAndHidesThePlaintext) {
  MasterKey key = MasterKey::Generate();
  std::string plaintext = Compressible(1000);
  std::string sealed = Seal(key, plaintext);
  EXPECT_EQ(kSealOverhead, 40u);
  EXPECT_EQ(sealed.size(), plaintext.size() + kSealNonceBytes + kSealTagBytes);
  EXPECT_EQ(sealed.find("payment"), std::string::npos);
}

TEST(Seal, SealingTheSamePlaintextTwiceGivesDifferentBytesAndNonces) {
  MasterKey key = MasterKey::Generate();
  std::string a = Seal(key, "same plaintext");
  std::string b = Seal(key, "same plaintext");
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, kSealNonceBytes), b.substr(0, kSealNonceBytes));
  EXPECT_EQ(*Open(key, a), *Open(key, b));
}

TEST(Seal, FlippingAnyBitOfAnyByteMakesOpenFailWithCorruption) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "transfer 1.5 ETH to 0xabc");
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string damaged = sealed;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      auto opened = Open(key, damaged);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " mask " << int{mask};
      EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
    }
  }
}

TEST(Seal, TruncatedOrExtendedInputFailsWithCorruptionWithoutCrashing) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "0123456789");
  for (size_t len = 0; len < sealed.size(); ++len) {
    auto opened = Open(key, std::string_view(sealed).substr(0, len));
    ASSERT_FALSE(opened.ok()) << "prefix of " << len << " bytes";
    EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  }
  EXPECT_FALSE(Open(key, sealed + "x").ok());
}

TEST(Seal, AnotherMasterKeyCannotOpenAndTheMessageExplainsWhy) {
  MasterKey mine = MasterKey::Generate();
  MasterKey other = MasterKey::Generate();
  auto opened = Open(other, Seal(mine, "secret"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find("failed authentication"), std::string::npos);
  EXPECT_NE(opened.status().message().find("another repository"), std::string::npos);
}

TEST(Seal, OnlyTheEncryptionKeyMatters) {
  MasterKey key = MasterKey::Generate();
  MasterKey same_encryption = MasterKey::Generate();
  same_encryption.encryption = key.encryption;
  EXPECT_EQ(*Open(same_encryption, Seal(key, "abc")), "abc");
}

TEST(Seal, SealInPlaceGivesASealedMessageThatOpensLikeSealsOutput) {
  MasterKey key = MasterKey::Generate();
  for (size_t n : {size_t{0}, size_t{1}, size_t{4096}, size_t{1} << 20}) {
    const std::string plaintext = Compressible(n);
    std::string buf(kSealNonceBytes, 'x');
    buf += plaintext;
    buf.append(kSealTagBytes, 'y');
    SealInPlace(key, buf.data(), n);
    ASSERT_EQ(buf.size(), n + kSealOverhead);
    if (n >= 64) {
      EXPECT_EQ(buf.find(plaintext.substr(0, 64)), std::string::npos) << "plaintext left in the clear";
    }
    auto opened = Open(key, buf);
    ASSERT_TRUE(opened.ok()) << n << ": " << opened.status().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
}

// ---------------------------------------------------------------- BlobId

TEST(BlobId, IsHmacSha256OfThePlaintextKeyedWithTheBlobIdKey) {
  MasterKey key = MasterKey::Generate();
  std::string data = Compressible(5000);
  unsigned char expected[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.blob_id.data(), static_cast<int>(key.blob_id.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), expected, &len);
  ASSERT_EQ(len, 32u);
  EXPECT_EQ(BlobId(key, data), std::to_array(expected));
}

TEST(BlobId, IsDeterministicAndDependsOnContentAndKey) {
  MasterKey key = MasterKey::Generate();
  MasterKey other = MasterKey::Generate();
  EXPECT_EQ(BlobId(key, "chunk"), BlobId(key, "chunk"));
  EXPECT_NE(BlobId(key, "chunk"), BlobId(key, "chunK"));
  EXPECT_NE(BlobId(key, "chunk"), BlobId(other, "chunk"));
  MasterKey copy = key;
  EXPECT_EQ(BlobId(copy, ""), BlobId(key, ""));
}

TEST(BlobId, DiffersFromThePlainSha256OfTheContent) {
  MasterKey key = MasterKey::Generate();
  for (std::string_view data : {std::string_view(), std::string_view("chunk")}) {
    Sha256 sha;
    sha.Update(data);
    EXPECT_NE(BlobId(key, data), sha.Finish());
  }
}

// ---------------------------------------------------------------- key files

TEST(KeyFile, DecodingWithThePasswordReturnsTheSameThreeKeys) {
  MasterKey key = MasterKey::Generate();
  auto file = EncodeKeyFile(key, "correct horse battery staple", kTestOnlyKdf);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto decoded = DecodeKeyFile(*file, "correct horse battery staple");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(SameKey(*decoded, key));
}

TEST(KeyFile, IsOneLineOfJsonWithTheDocumentedFields) {
  MasterKey key = MasterKey::Generate();
  std::string file = *EncodeKeyFile(key, "pw", KdfParams{3, 1 << 20});
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(file.back(), '\n');
  EXPECT_EQ(file.find('\n'), file.size() - 1);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  ASSERT_EQ(parser.parse(file).get_object().get(obj), simdjson::SUCCESS);
  EXPECT_EQ(uint64_t(obj["version"]), 1u);
  EXPECT_EQ(std::string_view(obj["kdf"]), "argon2id13");
  EXPECT_EQ(uint64_t(obj["opslimit"]), 3u);
  EXPECT_EQ(uint64_t(obj["memlimit"]), 1u << 20);
  EXPECT_EQ(Base64Decode(std::string_view(obj["salt"])).size(), 16u);
  EXPECT_EQ(Base64Decode(std::string_view(obj["sealed_key"])).size(), 96u + kSealOverhead);
  std::string_view created_at = obj["created_at"];
  EXPECT_EQ(created_at.size(), 24u) << created_at;  // 2026-11-24T13:36:05.123Z
  EXPECT_EQ(created_at.back(), 'Z');
  // The keys never appear in the clear.
  EXPECT_EQ(file.find(Base64Encode(std::string_view(reinterpret_cast<const char*>(key.encryption.data()), 30))),
            std::string::npos);
}

TEST(KeyFile, EachEncodingUsesAFreshSaltAndNonce) {
  MasterKey key = MasterKey::Generate();
  std::string a = *EncodeKeyFile(key, "pw", kTestOnlyKdf);
  std::string b = *EncodeKeyFile(key, "pw", kTestOnlyKdf);
  EXPECT_NE(StringField(a, "salt"), StringField(b, "salt"));
  EXPECT_NE(StringField(a, "sealed_key"), StringField(b, "sealed_key"));
}

TEST(KeyFile, DefaultKdfCostIsAcceptedAndRoundTrips) {
  MasterKey key = MasterKey::Generate();
  auto file = EncodeKeyFile(key, "pw", kDefaultKdf);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE(SameKey(*DecodeKeyFile(*file, "pw"), key));
}

TEST(KeyFile, WrongPasswordIsInvalidArgumentSayingWrongPassword) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "right", kTestOnlyKdf);
  for (std::string_view wrong : {"wrong", "Right", "right ", ""}) {
    auto decoded = DecodeKeyFile(file, wrong);
    ASSERT_FALSE(decoded.ok()) << "'" << wrong << "'";
    EXPECT_EQ(decoded.status().kind(), Status::Kind::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("wrong password"), std::string::npos) << decoded.status().message();
  }
}

TEST(KeyFile, FlippingAnyByteOfTheSealedKeyOrSaltMakesDecodingFail) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  for (const char* field : {"sealed_key", "salt"}) {
    std::string bytes = Base64Decode(StringField(file, field));
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ 0x04);
      auto decoded = DecodeKeyFile(ReplaceValue(file, field, "\"" + Base64Encode(damaged) + "\""), "pw");
      ASSERT_FALSE(decoded.ok()) << field << " byte " << i;
      // Indistinguishable from a wrong password by design (see crypto.h).
      EXPECT_EQ(decoded.status().kind(), Status::Kind::kInvalidArgument) << decoded.status().ToString();
    }
  }
}

TEST(KeyFile, ChangedKdfCostMakesDecodingFail) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  EXPECT_FALSE(DecodeKeyFile(ReplaceValue(file, "opslimit", "2"), "pw").ok());
  EXPECT_FALSE(DecodeKeyFile(ReplaceValue(file, "memlimit", "16384"), "pw").ok());
}

TEST(KeyFile, MalformedJsonIsCorruption) {
  for (std::string input : {"", "not json", "[]", "{", "{}x", "\"version\"", "null", "{\"version\":1"}) {
    ExpectCorruption(DecodeKeyFile(input, "pw"), "key file", input);
  }
}

TEST(KeyFile, EachMissingFieldIsCorruptionNamingIt) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  for (const char* field : {"version", "kdf", "opslimit", "memlimit", "salt", "created_at", "sealed_key"}) {
    std::string input = RemoveField(file, field);
    ASSERT_EQ(input.find(field), std::string::npos) << input;
    ExpectCorruption(DecodeKeyFile(input, "pw"), std::string("\"") + field + "\" is missing", input);
  }
}

TEST(KeyFile, MistypedOrOutOfRangeFieldsAreCorruptionNamingThem) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  struct Case {
    const char* field;
    const char* value;
  };
  for (Case c : {Case{"version", "\"1\""}, Case{"version", "-1"}, Case{"version", "1.5"}, Case{"kdf", "7"},
                 Case{"opslimit", "\"1\""}, Case{"opslimit", "0"}, Case{"opslimit", "1000000"},
                 Case{"memlimit", "-8192"}, Case{"memlimit", "1024"}, Case{"memlimit", "1125899906842624"},
                 Case{"salt", "null"}, Case{"created_at", "17"}, Case{"sealed_key", "[]"}}) {
    std::string input = ReplaceValue(file, c.field, c.value);
    ExpectCorruption(DecodeKeyFile(input, "pw"), c.field, input);
  }
}

TEST(KeyFile, UnknownVersionOrKdfIsCorruption) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  ExpectCorruption(DecodeKeyFile(ReplaceValue(file, "version", "2"), "pw"), "version", file);
  ExpectCorruption(DecodeKeyFile(ReplaceValue(file, "version", "0"), "pw"), "version", file);
  ExpectCorruption(DecodeKeyFile(ReplaceValue(file, "kdf", "\"scrypt\""), "pw"), "kdf", file);
}

TEST(KeyFile, BadBase64OrWrongLengthIsCorruptionNamingTheField) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  for (const char* field : {"salt", "sealed_key"}) {
    std::string good = StringField(file, field);
    std::vector<std::string> bad = {
        "!!!!",                                 // not the alphabet
        good.substr(0, good.size() - 1),        // padding cut
        good + "AAAA",                          // 3 bytes too long
        good.substr(4),                         // 3 bytes too short
        good.substr(0, 8) + " " + good.substr(8),  // whitespace
        good + "=",                             // trailing character
        "",                                     // empty
        good.substr(0, good.size() - 4) + "-_-_",  // URL-safe alphabet
    };
    for (const std::string& value : bad) {
      std::string input = ReplaceValue(file, field, "\"" + value + "\"");
      ExpectCorruption(DecodeKeyFile(input, "pw"), field, input);
    }
  }
}

TEST(KeyFile, UnknownExtraFieldsAreIgnored) {
  MasterKey key = MasterKey::Generate();
  std::string file = *EncodeKeyFile(key, "pw", kTestOnlyKdf);
  file.insert(1, "\"hostname\":\"db1\",");
  auto decoded = DecodeKeyFile(file, "pw");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(SameKey(*decoded, key));
}

TEST(KeyFile, EncodingRefusesAnEmptyPasswordAndCostsOutsideTheLimits) {
  MasterKey key = MasterKey::Generate();
  EXPECT_EQ(EncodeKeyFile(key, "", kTestOnlyKdf).status().kind(), Status::Kind::kInvalidArgument);
  for (KdfParams p : {KdfParams{0, 8192}, KdfParams{1, 8191}, KdfParams{kMaxKdfOpslimit + 1, 8192},
                      KdfParams{1, kMaxKdfMemlimit + 1}}) {
    auto file = EncodeKeyFile(key, "pw", p);
    EXPECT_EQ(file.status().kind(), Status::Kind::kInvalidArgument) << p.opslimit << " " << p.memlimit;
  }
}

TEST(KeyFile, RandomGarbageNeverCrashesDecoding) {
  std::string file = *EncodeKeyFile(MasterKey::Generate(), "pw", kTestOnlyKdf);
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string input = file;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) input[rng() % input.size()] = static_cast<char>(rng() & 0xFF);
    auto decoded = DecodeKeyFile(input, "pw");
    if (!decoded.ok()) {
      EXPECT_TRUE(decoded.status().kind() == Status::Kind::kCorruption ||
                  decoded.status().kind() == Status::Kind::kInvalidArgument)
          << decoded.status().ToString();
    }
  }
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(DecodeKeyFile(SeededBytes(rng() % 400, i), "pw").ok());
}

// ---------------------------------------------------------------- compression

TEST(Compress, CompressibleDataRoundTripsThroughZstd) {
  for (size_t n : {size_t{100}, size_t{4096}, size_t{1} << 20}) {
    std::string data = Compressible(n);
    std::string packed = Compress(data);
    EXPECT_EQ(static_cast<uint8_t>(packed[0]), kCompressZstd);
    EXPECT_LT(packed.size(), data.size());
    auto unpacked = Decompress(packed, data.size());
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
    EXPECT_EQ(*unpacked, data);
  }
}

TEST(Compress, EveryLevelRoundTrips) {
  std::string data = Compressible(20000);
  for (int level : {-5, 1, 3, 9, 19, 22}) EXPECT_EQ(*Decompress(Compress(data, level), data.size()), data) << level;
}

TEST(Compress, IncompressibleDataIsStoredAsIsWithOneTagByte) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}, size_t{1} << 20}) {
    std::string data = SeededBytes(n, static_cast<uint32_t>(n));
    std::string packed = Compress(data);
    ASSERT_EQ(packed.size(), data.size() + 1);
    EXPECT_EQ(static_cast<uint8_t>(packed[0]), kCompressStored);
    EXPECT_EQ(packed.substr(1), data);
    EXPECT_EQ(*Decompress(packed, n), data);
  }
}

TEST(Compress, OutputIsNeverLongerThanInputPlusOne) {
  std::mt19937 rng(3);
  for (int i = 0; i < 200; ++i) {
    size_t n = rng() % 300;
    std::string data = i % 2 ? SeededBytes(n, i) : Compressible(n);
    std::string packed = Compress(data);
    ASSERT_LE(packed.size(), data.size() + 1);
    EXPECT_EQ(*Decompress(packed, n), data);
  }
}

TEST(Compress, CompressToWritesWhatCompressGivesIntoUninitializedStorage) {
  for (int i = 0; i < 40; ++i) {
    const size_t n = i < 2 ? static_cast<size_t>(i) : (size_t{1} << (i % 20)) + static_cast<size_t>(i);
    const std::string data = i % 3 == 0 ? SeededBytes(n, i) : Compressible(n);
    std::unique_ptr<char[]> out(new char[CompressBound(n)]);
    std::memset(out.get(), 0xA5, CompressBound(n));  // not zeros: nothing may rely on them
    const size_t written = CompressTo(data, 1, out.get());
    ASSERT_LE(written, CompressBound(n));
    EXPECT_EQ(std::string_view(out.get(), written), Compress(data, 1)) << n;
  }
}

void ExpectDecompressCorruption(std::string_view input, size_t max_size, std::string_view mentions) {
  auto r = Decompress(input, max_size);
  ASSERT_FALSE(r.ok()) << "accepted " << input.size() << " bytes";
  EXPECT_EQ(r.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(r.status().message().find(mentions), std::string::npos) << r.status().message();
}

TEST(Decompress, RefusesEmptyInputAndUnknownTags) {
  ExpectDecompressCorruption("", 100, "empty");
  std::string packed = Compress(Compressible(1000));
  for (int tag : {2, 3, 0x7F, 0xFF}) {
    packed[0] = static_cast<char>(tag);
    ExpectDecompressCorruption(packed, 100000, "unknown format tag " + std::to_string(tag));
  }
}

TEST(Decompress, RefusesEveryTruncationOfAZstdFrame) {
  std::string packed = Compress(Compressible(5000));
  ASSERT_EQ(static_cast<uint8_t>(packed[0]), kCompressZstd);
  for (size_t len = 1; len < packed.size(); ++len) {
    auto r = Decompress(std::string_view(packed).substr(0, len), 5000);
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().kind(), Status::Kind::kCorruption);
  }
}

TEST(Decompress, RefusesBytesAfterTheFrame) {
  std::string packed = Compress(Compressible(5000));
  ExpectDecompressCorruption(packed + "x", 5000, "after the zstd frame");
  ExpectDecompressCorruption(packed + packed.substr(1), 10000, "after the zstd frame");
}

TEST(Decompress, RefusesSizesAboveTheLimit) {
  std::string data = Compressible(10000);
  ExpectDecompressCorruption(Compress(data), 9999, "above the limit");
  ExpectDecompressCorruption(Compress(SeededBytes(100, 1)), 99, "above the limit");
  EXPECT_TRUE(Decompress(Compress(data), 10000).ok());
}

// A hand-made frame: magic, single-segment header with an 8-byte content size,
// then one empty raw last block.
std::string FrameDeclaring(uint64_t content_size) {
  std::string f("\x01\x28\xB5\x2F\xFD\xE0", 6);
  for (int i = 0; i < 8; ++i) f.push_back(static_cast<char>(content_size >> (8 * i)));
  f.append("\x01\x00\x00", 3);
  return f;
}

TEST(Decompress, RefusesADeclaredSizeAboveTheLimitWithoutAllocatingIt) {
  // Allocating 2^60 bytes would throw or abort; a refusal proves it was not tried.
  ExpectDecompressCorruption(FrameDeclaring(uint64_t{1} << 60), 1 << 20, "declares 1152921504606846976 bytes");
  ExpectDecompressCorruption(FrameDeclaring(~uint64_t{0} - 10), 1 << 20, "declares");
  // The same frame declaring 0 bytes is well formed: the hand-made layout is right.
  auto empty = Decompress(FrameDeclaring(0), 0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");
  // Declaring more than the frame holds is caught after the (bounded) allocation.
  ExpectDecompressCorruption(FrameDeclaring(1000), 1 << 20, "zstd");
}

TEST(Decompress, RefusesAFrameWithoutADeclaredSize) {
  // Window descriptor instead of a content size, then one empty raw last block.
  ExpectDecompressCorruption(std::string("\x01\x28\xB5\x2F\xFD\x00\x00\x01\x00\x00", 10), 1 << 20,
                             "does not state its decompressed size");
}

TEST(Decompress, RefusesSkippableFrames) {
  std::string skippable("\x01\x50\x2A\x4D\x18\x00\x00\x00\x00", 9);
  ExpectDecompressCorruption(skippable, 1 << 20, "not a zstd frame");
}

TEST(Decompress, RandomGarbageAndDamagedFramesNeverCrash) {
  std::mt19937 rng(11);
  std::string valid = Compress(Compressible(3000));
  constexpr size_t kMax = 4096;
  for (int i = 0; i < 600; ++i) {
    std::string input;
    switch (i % 3) {
      case 0:  // pure noise
        input = SeededBytes(rng() % 200, i);
        break;
      case 1:  // a zstd tag and magic, then noise
        input = std::string("\x01\x28\xB5\x2F\xFD", 5) + SeededBytes(rng() % 200, i);
        break;
      default: {  // a valid frame with a few bytes changed
        input = valid;
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) input[1 + rng() % (input.size() - 1)] = static_cast<char>(rng() & 0xFF);
      }
    }
    auto r = Decompress(input, kMax);
    if (r.ok()) {
      EXPECT_LE(r->size(), kMax);
    } else {
      EXPECT_EQ(r.status().kind(), Status::Kind::kCorruption);
    }
  }
}

}  // namespace
}  // namespace pb::repo
