#include "repo/pack.h"

#include <cstring>

namespace pb::repo {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

const char* BlobTypeName(BlobType type) { return type == BlobType::kTree ? "tree" : "data"; }

bool ParseBlobType(std::string_view name, BlobType* out) {
  if (name == "data") {
    *out = BlobType::kData;
  } else if (name == "tree") {
    *out = BlobType::kTree;
  } else {
    return false;
  }
  return true;
}

size_t MaxBlobSize(BlobType type) { return type == BlobType::kTree ? kMaxTreeBlob : kMaxDataBlob; }

void PackBuilder::Add(const Digest& id, BlobType type, std::string_view stored, uint32_t plain_length) {
  // Room for the blob that closes the pack and the header: no reallocation.
  if (data_.empty()) data_.reserve(kPackTargetBytes + kMaxDataBlob + (size_t{1} << 20));
  PackEntry e;
  e.id = id;
  e.type = type;
  e.offset = data_.size();
  e.length = static_cast<uint32_t>(stored.size());
  e.plain_length = plain_length;
  entries_.push_back(e);
  data_.append(stored);
}

std::string PackBuilder::Finish(const MasterKey& key, std::vector<PackEntry>* entries) {
  std::string header;
  header.reserve(entries_.size() * kPackEntryBytes);
  for (const PackEntry& e : entries_) {
    header.push_back(static_cast<char>(e.type));
    PutU32(&header, e.length);
    PutU32(&header, e.plain_length);
    header.append(reinterpret_cast<const char*>(e.id.data()), e.id.size());
  }
  std::string sealed = Seal(key, header);
  std::string pack = std::move(data_);
  pack.append(sealed);
  PutU32(&pack, static_cast<uint32_t>(sealed.size()));
  *entries = std::move(entries_);
  data_.clear();
  entries_.clear();
  return pack;
}

Result<std::vector<PackEntry>> ReadPackHeader(const MasterKey& key, std::string_view pack, std::string_view what) {
  auto bad = [&](const std::string& detail) { return Status::Corruption(std::string(what) + ": " + detail); };
  if (pack.size() < 4) return bad("shorter than its header length field");
  uint64_t header_len = GetU32(pack.data() + pack.size() - 4);
  if (header_len < kSealOverhead || header_len > pack.size() - 4) {
    return bad("header length " + std::to_string(header_len) + " does not fit the pack's " +
               std::to_string(pack.size()) + " bytes");
  }
  uint64_t blobs_end = pack.size() - 4 - header_len;
  auto header = Open(key, pack.substr(blobs_end, header_len));
  if (!header.ok()) return bad("header " + header.status().message());
  if (header->empty() || header->size() % kPackEntryBytes != 0) {
    return bad("header holds " + std::to_string(header->size()) + " bytes, not whole entries");
  }
  std::vector<PackEntry> entries;
  uint64_t offset = 0;
  for (size_t p = 0; p < header->size(); p += kPackEntryBytes) {
    const char* h = header->data() + p;
    PackEntry e;
    uint8_t type = static_cast<uint8_t>(h[0]);
    if (type > 1) return bad("header entry " + std::to_string(entries.size()) + " has unknown type");
    e.type = static_cast<BlobType>(type);
    e.length = GetU32(h + 1);
    e.plain_length = GetU32(h + 5);
    std::memcpy(e.id.data(), h + 9, 32);
    e.offset = offset;
    offset += e.length;
    entries.push_back(e);
  }
  if (offset != blobs_end) {
    return bad("header describes " + std::to_string(offset) + " bytes of blobs but the pack holds " +
               std::to_string(blobs_end));
  }
  return entries;
}

}  // namespace pb::repo
