#include "repo/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "common/sha256.h"

namespace pb::repo::s3 {
namespace {

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading and trailing spaces removed, inner runs of spaces collapsed to one.
std::string Trimmed(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

HeaderList CanonicalHeaders(const HeaderList& headers) {
  HeaderList out;
  for (const auto& [name, value] : headers) out.emplace_back(Lower(name), Trimmed(value));
  std::sort(out.begin(), out.end());
  return out;
}

std::string SignedHeaderNames(const HeaderList& canonical) {
  std::string out;
  for (const auto& h : canonical) {
    if (!out.empty()) out += ';';
    out += h.first;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(const HeaderList& query) {
  HeaderList encoded;
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (i) out += '&';
    out += encoded[i].first + "=" + encoded[i].second;
  }
  return out;
}

std::string CanonicalRequest(const SigningRequest& request) {
  std::string out = request.method + "\n" + UriEncode(request.path.empty() ? "/" : request.path, true) + "\n" +
                    CanonicalQuery(request.query) + "\n";
  HeaderList headers = CanonicalHeaders(request.headers);
  for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
  out += "\n" + SignedHeaderNames(headers) + "\n" + request.payload_sha256_hex;
  return out;
}

std::string AuthorizationHeader(const SigningRequest& request, const Credentials& credentials,
                                std::string_view region, std::string_view service, std::string_view amz_date) {
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + Sha256Hex(CanonicalRequest(request));
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
         ", SignedHeaders=" + SignedHeaderNames(CanonicalHeaders(request.headers)) +
         ", Signature=" + Hex(HmacSha256(key, string_to_sign));
}

}  // namespace pb::repo::s3
