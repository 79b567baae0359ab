// repo/: the encrypted, deduplicated backup repository. This header owns its
// cryptography (libsodium): the master key, sealing and opening repository
// files, keyed blob ids, and the password-protected key files under keys/.
// Byte layouts are specified in docs/repository-format.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace pb::repo {

// Initializes libsodium once per process. Thread-safe and cheap after the
// first call; every function below calls it, so callers need not.
// Throws std::runtime_error if libsodium cannot start (no randomness source).
void InitCrypto();

// The repository's secret: three independent 256-bit keys. Never written
// anywhere except sealed inside a key file. Copies are independent; each copy
// overwrites its bytes with zeros when destroyed.
struct MasterKey {
  std::array<uint8_t, 32> encryption{};  // XChaCha20-Poly1305 key of Seal/Open
  std::array<uint8_t, 32> blob_id{};     // HMAC-SHA256 key of BlobId
  std::array<uint8_t, 32> chunker{};     // secret of the content-defined chunker

  MasterKey() = default;
  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();

  // Three fresh keys from the operating system's random generator.
  static MasterKey Generate();
};

// Sealed message layout: nonce (24 bytes, random) || ciphertext (same length
// as the plaintext) || Poly1305 tag (16 bytes). No associated data.
inline constexpr size_t kSealNonceBytes = 24;
inline constexpr size_t kSealTagBytes = 16;
inline constexpr size_t kSealOverhead = kSealNonceBytes + kSealTagBytes;

// Encrypts and authenticates `plaintext` with key.encryption
// (XChaCha20-Poly1305-IETF) under a fresh random nonce, so sealing the same
// plaintext twice gives different bytes. Output is
// plaintext.size() + kSealOverhead bytes.
std::string Seal(const MasterKey& key, std::string_view plaintext);
// Seal without a copy: `buf` holds kSealNonceBytes of room, then the
// plaintext (plaintext_size bytes), then kSealTagBytes of room; afterwards
// buf[0, plaintext_size + kSealOverhead) is the sealed message.
void SealInPlace(const MasterKey& key, char* buf, size_t plaintext_size);

// Verifies and decrypts the output of Seal. Any modification, truncation
// (including input shorter than kSealOverhead) or a different key gives
// Corruption; nothing is returned unless the whole message authenticates.
Result<std::string> Open(const MasterKey& key, std::string_view sealed);
// Open without a copy: decrypts sealed[0, size) where it lies and returns
// the plaintext, a view into it (the nonce and tag are left in place). On
// Corruption the bytes are unchanged.
Result<std::string_view> OpenInPlace(const MasterKey& key, char* sealed, size_t size);

// The id of a blob: HMAC-SHA256(key.blob_id, plaintext). Keyed so that ids
// stored in the repository reveal nothing about contents to someone without
// the key (a plain SHA-256 would confirm guesses of known files).
Digest BlobId(const MasterKey& key, std::string_view plaintext);

// Argon2id cost of deriving the key-file key from a password. libsodium
// runs Argon2id with one lane (parallelism 1), so there is no third knob.
struct KdfParams {
  uint64_t opslimit;  // passes over memory
  uint64_t memlimit;  // bytes
};

// libsodium's "interactive" limits (crypto_pwhash_OPSLIMIT/MEMLIMIT_INTERACTIVE):
// 2 passes over 64 MiB, above OWASP's Argon2id minimum (2 passes, 19 MiB);
// about 0.2 s of CPU per unlock on one core, which every command pays once.
inline constexpr KdfParams kDefaultKdf{2, 64ull << 20};
// The cheapest setting libsodium allows (1 pass, 8 KiB). For tests only: it
// offers no protection against password guessing.
inline constexpr KdfParams kTestOnlyKdf{1, 8192};
// The costs EncodeKeyFile writes and DecodeKeyFile accepts: [kTestOnlyKdf,
// kMaxKdf*]. The maximum (libsodium's "moderate" limits, 3 passes over 256
// MiB) keeps one unlock under about 1 s and 256 MiB on a 2-core machine, so
// a key file planted or edited by someone else cannot make every command
// slow or exhaust memory: costs above it are refused before any key
// derivation (docs/repository-format.md, "Key file").
inline constexpr uint64_t kMaxKdfOpslimit = 3;
inline constexpr uint64_t kMaxKdfMemlimit = 256ull << 20;
// The largest key file read (one is about 330 bytes; unknown extra fields
// are allowed, within this).
inline constexpr size_t kMaxKeyFileBytes = 4096;

// How many Argon2id derivations this process has run: tests use it to show
// that a key file was refused before any.
uint64_t KdfRunCount();

// Produces a key file (JSON text, one line, ending in '\n'):
//   {"version":1,"kdf":"argon2id13","opslimit":N,"memlimit":N,
//    "salt":"<base64, 16 bytes>","created_at":"<ISO-8601 UTC>",
//    "sealed_key":"<base64, 136 bytes>"}
// sealed_key is Seal-layout XChaCha20-Poly1305 of encryption || blob_id ||
// chunker (96 bytes) under the 32-byte key Argon2id13(password, salt,
// opslimit, memlimit). Base64 is the standard alphabet with padding.
// Errors: InvalidArgument for an empty password or params outside
// [kTestOnlyKdf, kMaxKdf*]; Unavailable if Argon2id cannot get its memory.
Result<std::string> EncodeKeyFile(const MasterKey& key, std::string_view password, const KdfParams& params);

// Reverses EncodeKeyFile. Unknown extra fields are ignored.
// Errors: InvalidArgument "wrong password ..." when sealed_key does not
// authenticate (a wrong password and a modified sealed_key/salt/cost cannot be
// told apart: the cost is an input of the derivation, see
// docs/repository-format.md); Corruption naming the field for malformed JSON,
// input over kMaxKeyFileBytes, a missing or mistyped field, an unknown version
// or kdf, bad base64, wrong lengths or a cost out of range (the last as
// "tampered with or written by an incompatible version"), all found before
// the key derivation runs; Unavailable if Argon2id cannot get its memory.
// The message does not name the file: callers prefix it.
Result<MasterKey> DecodeKeyFile(std::string_view json, std::string_view password);

// The public fields of a key file: what `paymentsctl key list` shows.
struct KeyFileInfo {
  KdfParams kdf{};
  std::string created_at;  // as written (ISO-8601 UTC)
};

// Parses and checks a key file without a password (nothing is decrypted, no
// key derivation runs). Errors: Corruption as DecodeKeyFile's.
Result<KeyFileInfo> InspectKeyFile(std::string_view json);

}  // namespace pb::repo
