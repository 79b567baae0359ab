// SigV4 (repo/s3/sigv4.h) against AWS's published examples: the four
// header-based examples of the S3 documentation ("Signature Calculations
// for the Authorization Header: Transferring Payload in a Single Chunk",
// examplebucket, 20130524T000000Z) and get-vanilla of the generic SigV4
// test suite. A single wrong byte anywhere gives another signature.
#include "repo/s3/sigv4.h"

#include <gtest/gtest.h>

#include <string>

namespace pb::repo::s3 {
namespace {

const Credentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kDate = "20130524T000000Z";

std::string S3Auth(const SigningRequest& r) { return AuthorizationHeader(r, kS3Example, "us-east-1", "s3", kDate); }

std::string Expected(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=" +
         signed_headers + ", Signature=" + signature;
}

TEST(S3SigV4, GetObjectWithRangeMatchesThePublishedExample) {
  SigningRequest r{"GET", "/test.txt", {},
                   {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"},
                    {"x-amz-content-sha256", kEmptySha256}, {"x-amz-date", kDate}},
                   kEmptySha256};
  EXPECT_EQ(CanonicalRequest(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(S3Auth(r), Expected("host;range;x-amz-content-sha256;x-amz-date",
                                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(S3SigV4, PutObjectMatchesThePublishedExample) {
  // SHA-256 of the body "Welcome to Amazon S3."
  const std::string payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  SigningRequest r{"PUT", "/test$file.text", {},
                   {{"Host", "examplebucket.s3.amazonaws.com"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                    {"x-amz-date", kDate}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                    {"x-amz-content-sha256", payload}},
                   payload};
  EXPECT_NE(CanonicalRequest(r).find("\n/test%24file.text\n"), std::string::npos) << CanonicalRequest(r);
  EXPECT_EQ(S3Auth(r), Expected("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                                "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(S3SigV4, GetBucketLifecycleMatchesThePublishedExample) {
  SigningRequest r{"GET", "/", {{"lifecycle", ""}},
                   {{"Host", "examplebucket.s3.amazonaws.com"}, {"x-amz-date", kDate},
                    {"x-amz-content-sha256", kEmptySha256}},
                   kEmptySha256};
  EXPECT_EQ(S3Auth(r), Expected("host;x-amz-content-sha256;x-amz-date",
                                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
}

TEST(S3SigV4, ListObjectsMatchesThePublishedExample) {
  SigningRequest r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}},
                   {{"Host", "examplebucket.s3.amazonaws.com"}, {"x-amz-date", kDate},
                    {"x-amz-content-sha256", kEmptySha256}},
                   kEmptySha256};
  EXPECT_NE(CanonicalRequest(r).find("\nmax-keys=2&prefix=J\n"), std::string::npos) << CanonicalRequest(r);
  EXPECT_EQ(S3Auth(r), Expected("host;x-amz-content-sha256;x-amz-date",
                                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST(S3SigV4, GenericGetVanillaMatchesTheTestSuite) {
  const Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  SigningRequest r{"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                   kEmptySha256};
  EXPECT_EQ(AuthorizationHeader(r, creds, "us-east-1", "service", "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(S3SigV4, AWrongSecretSignsDifferently) {
  SigningRequest r{"GET", "/test.txt", {},
                   {{"Host", "examplebucket.s3.amazonaws.com"}, {"x-amz-date", kDate},
                    {"x-amz-content-sha256", kEmptySha256}},
                   kEmptySha256};
  Credentials wrong = kS3Example;
  wrong.secret_access_key.back() = 'X';
  const std::string right_auth = S3Auth(r);
  const std::string wrong_auth = AuthorizationHeader(r, wrong, "us-east-1", "s3", kDate);
  EXPECT_NE(right_auth, wrong_auth);
  // Only the signature differs; the secret itself appears in neither.
  EXPECT_EQ(right_auth.substr(0, right_auth.rfind('=')), wrong_auth.substr(0, wrong_auth.rfind('=')));
  EXPECT_EQ(right_auth.find(kS3Example.secret_access_key), std::string::npos);
}

TEST(S3SigV4, HeaderValuesAreTrimmedAndNamesLowerCased) {
  SigningRequest r{"GET", "/", {}, {{"X-Amz-Date", "  a   b  "}, {"Host", "h"}}, kEmptySha256};
  EXPECT_EQ(CanonicalRequest(r), std::string("GET\n/\n\nhost:h\nx-amz-date:a b\n\nhost;x-amz-date\n") + kEmptySha256);
}

TEST(S3SigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("a-Z_0.~/b c+é", true), "a-Z_0.~/b%20c%2B%C3%A9");
  EXPECT_EQ(UriEncode("a/b=c&d", false), "a%2Fb%3Dc%26d");
}

}  // namespace
}  // namespace pb::repo::s3
