#include "repo/crypto.h"

#include <simdjson.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/json_text.h"
#include "common/time_util.h"

namespace pb::repo {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kSealNonceBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kSealTagBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_auth_hmacsha256_KEYBYTES == 32);
static_assert(crypto_auth_hmacsha256_BYTES == sizeof(Digest));
static_assert(crypto_pwhash_argon2id_OPSLIMIT_MIN == kTestOnlyKdf.opslimit);
static_assert(crypto_pwhash_argon2id_MEMLIMIT_MIN == kTestOnlyKdf.memlimit);
static_assert(kMaxKdfMemlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX);

constexpr int kKeyFileVersion = 1;
constexpr std::string_view kKdfName = "argon2id13";
constexpr size_t kSaltBytes = crypto_pwhash_argon2id_SALTBYTES;
constexpr size_t kMasterKeyBytes = 96;
constexpr size_t kSealedKeyBytes = kMasterKeyBytes + kSealOverhead;

using Key32 = std::array<uint8_t, 32>;

// A 32-byte key that is wiped when it goes out of scope.
struct ScopedKey {
  Key32 bytes{};
  ~ScopedKey() { sodium_memzero(bytes.data(), bytes.size()); }
};

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Seals buf[kSealNonceBytes, kSealNonceBytes + size) where it lies (libsodium
// encrypts in place when the message and ciphertext are the same bytes).
void SealInBuffer(const Key32& key, char* buf, size_t size) {
  auto* nonce = reinterpret_cast<unsigned char*>(buf);
  randombytes_buf(nonce, kSealNonceBytes);
  unsigned char* text = nonce + kSealNonceBytes;
  crypto_aead_xchacha20poly1305_ietf_encrypt(text, nullptr, text, size, nullptr, 0, nullptr, nonce, key.data());
}

std::string SealWith(const Key32& key, std::string_view plaintext) {
  std::string out(plaintext.size() + kSealOverhead, '\0');
  std::memcpy(out.data() + kSealNonceBytes, plaintext.data(), plaintext.size());
  SealInBuffer(key, out.data(), plaintext.size());
  return out;
}

// Returns false (and leaves *plaintext empty) unless `sealed` authenticates.
// Verifies `sealed` and decrypts it into out[0, sealed.size() - kSealOverhead)
// (which may be where its ciphertext is: libsodium checks the tag before it
// writes, and decrypts in place). False when it does not authenticate.
bool OpenTo(const Key32& key, std::string_view sealed, char* out) {
  if (sealed.size() < kSealOverhead) return false;
  const unsigned char* nonce = Bytes(sealed);
  unsigned long long written = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out), &written, nullptr,
                                                    nonce + kSealNonceBytes, sealed.size() - kSealNonceBytes,
                                                    nullptr, 0, nonce, key.data()) == 0;
}

bool OpenWith(const Key32& key, std::string_view sealed, std::string* plaintext) {
  plaintext->clear();
  if (sealed.size() < kSealOverhead) return false;
  std::string out(sealed.size() - kSealOverhead, '\0');
  if (!OpenTo(key, sealed, out.data())) return false;
  *plaintext = std::move(out);
  return true;
}

std::string ToBase64(std::string_view bin) {
  std::string out(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bin), bin.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Strict: padding required, no whitespace, no trailing characters.
bool FromBase64(std::string_view b64, std::string* bin) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(), b64.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  out.resize(len);
  *bin = std::move(out);
  return true;
}

std::atomic<uint64_t> kdf_runs{0};

// `bytes` as "N MiB" when it is whole mebibytes, else "N bytes".
std::string Mib(uint64_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

Status KeyFileCorrupt(std::string_view field, std::string_view problem) {
  return Status::Corruption("key file field \"" + std::string(field) + "\" " + std::string(problem));
}

// Where KDF parameters come from: asked of EncodeKeyFile, or read from a
// key file.
enum class KdfSource { kAsked, kKeyFile };

// Ok when `p` is within [kTestOnlyKdf, kMaxKdf*]. Otherwise InvalidArgument
// for a cost asked of EncodeKeyFile, and for one read from a key file
// Corruption naming the field as tampered with or from an incompatible
// version.
Status CheckKdfParams(const KdfParams& p, KdfSource source) {
  const char* field = nullptr;
  std::string value, range;
  if (p.opslimit < kTestOnlyKdf.opslimit || p.opslimit > kMaxKdfOpslimit) {
    field = "opslimit";
    value = std::to_string(p.opslimit);
    range = std::to_string(kTestOnlyKdf.opslimit) + " to " + std::to_string(kMaxKdfOpslimit) + " passes";
  } else if (p.memlimit < kTestOnlyKdf.memlimit || p.memlimit > kMaxKdfMemlimit) {
    field = "memlimit";
    value = Mib(p.memlimit);
    range = Mib(kTestOnlyKdf.memlimit) + " to " + Mib(kMaxKdfMemlimit);
  }
  if (field == nullptr) return Status::Ok();
  if (source == KdfSource::kAsked) {
    return Status::InvalidArgument("key derivation " + std::string(field) + " " + value + " is outside " + range);
  }
  return KeyFileCorrupt(field, "is " + value + ", outside the " + range +
                                   " this version accepts (so that unlocking stays under about 1 s and " +
                                   Mib(kMaxKdfMemlimit) + "): the key file was tampered with or written by an "
                                   "incompatible version of paymentsctl; it was not tried");
}

Status DeriveKey(std::string_view password, std::string_view salt, const KdfParams& p, Key32* out) {
  kdf_runs.fetch_add(1, std::memory_order_relaxed);
  if (crypto_pwhash(out->data(), out->size(), password.data(), password.size(), Bytes(salt), p.opslimit,
                    static_cast<size_t>(p.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Unavailable("Argon2id key derivation failed: not enough memory for memlimit " +
                               std::to_string(p.memlimit) + " bytes");
  }
  return Status::Ok();
}

Status GetString(const simdjson::dom::object& obj, std::string_view field, std::string_view* out) {
  simdjson::dom::element e;
  if (obj[field].get(e) != simdjson::SUCCESS) return KeyFileCorrupt(field, "is missing");
  if (e.get_string().get(*out) != simdjson::SUCCESS) return KeyFileCorrupt(field, "is not a string");
  return Status::Ok();
}

Status GetUInt(const simdjson::dom::object& obj, std::string_view field, uint64_t* out) {
  simdjson::dom::element e;
  if (obj[field].get(e) != simdjson::SUCCESS) return KeyFileCorrupt(field, "is missing");
  if (e.get_uint64().get(*out) != simdjson::SUCCESS) return KeyFileCorrupt(field, "is not a non-negative integer");
  return Status::Ok();
}

Status GetBase64(const simdjson::dom::object& obj, std::string_view field, size_t want_bytes, std::string* out) {
  std::string_view text;
  PB_RETURN_IF_ERROR(GetString(obj, field, &text));
  if (!FromBase64(text, out)) return KeyFileCorrupt(field, "is not valid base64");
  if (out->size() != want_bytes) {
    return KeyFileCorrupt(field, "decodes to " + std::to_string(out->size()) + " bytes, expected " +
                                     std::to_string(want_bytes));
  }
  return Status::Ok();
}

}  // namespace

uint64_t KdfRunCount() { return kdf_runs.load(std::memory_order_relaxed); }

void InitCrypto() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialize (no source of randomness?)");
}

MasterKey::~MasterKey() {
  sodium_memzero(encryption.data(), encryption.size());
  sodium_memzero(blob_id.data(), blob_id.size());
  sodium_memzero(chunker.data(), chunker.size());
}

MasterKey MasterKey::Generate() {
  InitCrypto();
  MasterKey k;
  randombytes_buf(k.encryption.data(), k.encryption.size());
  randombytes_buf(k.blob_id.data(), k.blob_id.size());
  randombytes_buf(k.chunker.data(), k.chunker.size());
  return k;
}

std::string Seal(const MasterKey& key, std::string_view plaintext) {
  InitCrypto();
  return SealWith(key.encryption, plaintext);
}

void SealInPlace(const MasterKey& key, char* buf, size_t plaintext_size) {
  InitCrypto();
  SealInBuffer(key.encryption, buf, plaintext_size);
}

namespace {

Status NotAuthentic(size_t sealed_size) {
  return Status::Corruption("sealed data (" + std::to_string(sealed_size) +
                            " bytes) failed authentication: the data was modified or belongs to another repository");
}

}  // namespace

Result<std::string> Open(const MasterKey& key, std::string_view sealed) {
  InitCrypto();
  std::string plaintext;
  if (!OpenWith(key.encryption, sealed, &plaintext)) return NotAuthentic(sealed.size());
  return plaintext;
}

Result<std::string_view> OpenInPlace(const MasterKey& key, char* sealed, size_t size) {
  InitCrypto();
  char* ciphertext = sealed + std::min(size, kSealNonceBytes);
  if (!OpenTo(key.encryption, std::string_view(sealed, size), ciphertext)) return NotAuthentic(size);
  return std::string_view(ciphertext, size - kSealOverhead);
}

namespace {

// OpenSSL's HMAC, fetched once: HMAC() looks the MAC and digest up (under a
// lock) and allocates, keys and frees a context on every call.
EVP_MAC* HmacMac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// One HMAC-SHA256 context per thread, keyed with the last blob_id key it
// was given: rekeying with the same key reuses its precomputed pads. The
// key copy and the context are wiped when the thread ends.
class ThreadHmac {
 public:
  ThreadHmac() : ctx_(HmacMac() ? EVP_MAC_CTX_new(HmacMac()) : nullptr) {}
  ~ThreadHmac() {
    EVP_MAC_CTX_free(ctx_);  // cleanses the pads
    sodium_memzero(key_.data(), key_.size());
  }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;

  // False when OpenSSL cannot run HMAC-SHA256 (then *out is untouched).
  bool Mac(const Key32& key, std::string_view data, Digest* out) {
    if (ctx_ == nullptr) return false;
    const bool same_key = keyed_ && sodium_memcmp(key.data(), key_.data(), key.size()) == 0;
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_END};
    keyed_ = same_key ? EVP_MAC_init(ctx_, nullptr, 0, nullptr) == 1
                      : EVP_MAC_init(ctx_, key.data(), key.size(), params) == 1;
    if (!keyed_) return false;
    key_ = key;
    size_t len = 0;
    return EVP_MAC_update(ctx_, Bytes(data), data.size()) == 1 &&
           EVP_MAC_final(ctx_, out->data(), &len, out->size()) == 1 && len == out->size();
  }

 private:
  EVP_MAC_CTX* ctx_;
  Key32 key_{};
  bool keyed_ = false;
};

}  // namespace

Digest BlobId(const MasterKey& key, std::string_view plaintext) {
  // OpenSSL rather than libsodium here: its SHA-256 uses the CPU's SHA
  // extensions (about 3x faster), and every byte backed up is hashed once,
  // and every byte restored once more.
  thread_local ThreadHmac hmac;
  Digest d;
  if (hmac.Mac(key.blob_id, plaintext, &d)) return d;
  // Only if OpenSSL could not set up a context (out of memory): the one-shot form.
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.blob_id.data(), static_cast<int>(key.blob_id.size()), Bytes(plaintext), plaintext.size(),
       d.data(), &len);
  return d;
}

Result<std::string> EncodeKeyFile(const MasterKey& key, std::string_view password, const KdfParams& params) {
  InitCrypto();
  if (password.empty()) return Status::InvalidArgument("the repository password must not be empty");
  PB_RETURN_IF_ERROR(CheckKdfParams(params, KdfSource::kAsked));

  std::string salt(kSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  ScopedKey wrapping;
  PB_RETURN_IF_ERROR(DeriveKey(password, salt, params, &wrapping.bytes));

  std::string keys;
  keys.reserve(kMasterKeyBytes);
  for (const auto* part : {&key.encryption, &key.blob_id, &key.chunker}) {
    keys.append(reinterpret_cast<const char*>(part->data()), part->size());
  }
  std::string sealed = SealWith(wrapping.bytes, keys);
  sodium_memzero(keys.data(), keys.size());

  std::string out;
  JsonObject(&out)
      .Int("version", kKeyFileVersion)
      .Str("kdf", kKdfName)
      .UInt("opslimit", params.opslimit)
      .UInt("memlimit", params.memlimit)
      .Str("salt", ToBase64(salt))
      .Str("created_at", FormatIso8601(NowMillis()))
      .Str("sealed_key", ToBase64(sealed))
      .Close();
  out.push_back('\n');
  return out;
}

namespace {

// Every field of a key file, checked; the master key still sealed.
struct ParsedKeyFile {
  KeyFileInfo info;
  std::string salt, sealed;
};

Result<ParsedKeyFile> ParseKeyFile(std::string_view json) {
  InitCrypto();
  if (json.size() > kMaxKeyFileBytes) {
    return Status::Corruption("key file is " + std::to_string(json.size()) + " bytes, more than a key file can be (" +
                              std::to_string(kMaxKeyFileBytes) + "): it was tampered with or damaged");
  }
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return Status::Corruption("key file is not a JSON object");
  }
  uint64_t version = 0;
  PB_RETURN_IF_ERROR(GetUInt(obj, "version", &version));
  if (version != kKeyFileVersion) {
    return KeyFileCorrupt("version", "is " + std::to_string(version) + "; this build reads only version " +
                                         std::to_string(kKeyFileVersion) + " (is paymentsctl older than the repository?)");
  }
  std::string_view kdf;
  PB_RETURN_IF_ERROR(GetString(obj, "kdf", &kdf));
  if (kdf != kKdfName) return KeyFileCorrupt("kdf", "names an unknown algorithm: " + std::string(kdf));
  ParsedKeyFile parsed;
  PB_RETURN_IF_ERROR(GetUInt(obj, "opslimit", &parsed.info.kdf.opslimit));
  PB_RETURN_IF_ERROR(GetUInt(obj, "memlimit", &parsed.info.kdf.memlimit));
  PB_RETURN_IF_ERROR(CheckKdfParams(parsed.info.kdf, KdfSource::kKeyFile));
  std::string_view created_at;
  PB_RETURN_IF_ERROR(GetString(obj, "created_at", &created_at));
  parsed.info.created_at = created_at;
  PB_RETURN_IF_ERROR(GetBase64(obj, "salt", kSaltBytes, &parsed.salt));
  PB_RETURN_IF_ERROR(GetBase64(obj, "sealed_key", kSealedKeyBytes, &parsed.sealed));
  return parsed;
}

}  // namespace

Result<KeyFileInfo> InspectKeyFile(std::string_view json) {
  auto parsed = ParseKeyFile(json);
  if (!parsed.ok()) return parsed.status();
  return parsed->info;
}

Result<MasterKey> DecodeKeyFile(std::string_view json, std::string_view password) {
  auto parsed = ParseKeyFile(json);
  if (!parsed.ok()) return parsed.status();
  const KdfParams& params = parsed->info.kdf;
  const std::string& salt = parsed->salt;
  const std::string& sealed = parsed->sealed;

  ScopedKey wrapping;
  PB_RETURN_IF_ERROR(DeriveKey(password, salt, params, &wrapping.bytes));
  std::string keys;
  if (!OpenWith(wrapping.bytes, sealed, &keys)) {
    return Status::InvalidArgument(
        "wrong password for this repository (key file did not open with it; if the password is certainly right, "
        "the key file's salt, cost or sealed_key was modified)");
  }
  MasterKey key;
  const char* p = keys.data();
  for (auto* part : {&key.encryption, &key.blob_id, &key.chunker}) {
    std::copy(p, p + part->size(), reinterpret_cast<char*>(part->data()));
    p += part->size();
  }
  sodium_memzero(keys.data(), keys.size());
  return key;
}

}  // namespace pb::repo
