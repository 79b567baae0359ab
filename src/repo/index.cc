#include "repo/index.h"

#include "common/json_text.h"
#include "repo/json_fields.h"

namespace pb::repo {

void Index::Add(const IndexedPack& pack) {
  auto [it, inserted] = pack_numbers_.try_emplace(pack.pack, static_cast<uint32_t>(packs_.size()));
  if (inserted) packs_.push_back(pack.pack);
  for (const PackEntry& e : pack.blobs) {
    blobs_.try_emplace(e.id, BlobLocation{it->second, e.type, e.offset, e.length, e.plain_length});
  }
}

const BlobLocation* Index::Find(const Digest& id) const {
  auto it = blobs_.find(id);
  return it == blobs_.end() ? nullptr : &it->second;
}

std::string EncodeIndexFile(const std::vector<IndexedPack>& packs) {
  std::string out = "{\"packs\":[";
  for (size_t p = 0; p < packs.size(); ++p) {
    if (p) out.push_back(',');
    out += "{\"id\":\"" + ToHex(packs[p].pack) + "\",\"blobs\":[";
    for (size_t b = 0; b < packs[p].blobs.size(); ++b) {
      const PackEntry& e = packs[p].blobs[b];
      if (b) out.push_back(',');
      JsonObject(&out)
          .Str("id", ToHex(e.id))
          .Str("type", BlobTypeName(e.type))
          .UInt("offset", e.offset)
          .UInt("length", e.length)
          .UInt("plain_length", e.plain_length)
          .Close();
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

Result<std::vector<IndexedPack>> DecodeIndexFile(std::string_view json, std::string_view what) {
  simdjson::dom::parser parser;
  auto root = ParseObject(parser, json, what);
  if (!root.ok()) return root.status();
  JsonFields top(*root, std::string(what));
  simdjson::dom::array packs;
  PB_RETURN_IF_ERROR(top.Array("packs", &packs));
  std::vector<IndexedPack> out;
  for (simdjson::dom::element pe : packs) {
    simdjson::dom::object po;
    if (pe.get_object().get(po) != simdjson::SUCCESS) return top.Bad("a pack entry is not an object");
    JsonFields pf(po, std::string(what) + " pack " + std::to_string(out.size()));
    IndexedPack pack;
    PB_RETURN_IF_ERROR(pf.Hex("id", &pack.pack));
    simdjson::dom::array blobs;
    PB_RETURN_IF_ERROR(pf.Array("blobs", &blobs));
    for (simdjson::dom::element be : blobs) {
      simdjson::dom::object bo;
      if (be.get_object().get(bo) != simdjson::SUCCESS) return pf.Bad("a blob entry is not an object");
      JsonFields bf(bo, pf.what() + " blob " + std::to_string(pack.blobs.size()));
      PackEntry e;
      std::string type;
      uint64_t length = 0, plain = 0;
      PB_RETURN_IF_ERROR(bf.Hex("id", &e.id));
      PB_RETURN_IF_ERROR(bf.Str("type", &type));
      if (!ParseBlobType(type, &e.type)) return bf.Bad("unknown type " + type);
      PB_RETURN_IF_ERROR(bf.UInt("offset", &e.offset));
      PB_RETURN_IF_ERROR(bf.UInt("length", &length));
      PB_RETURN_IF_ERROR(bf.UInt("plain_length", &plain));
      if (length < kSealOverhead + 1 || length > MaxBlobSize(e.type) + kSealOverhead + 1 ||
          plain > MaxBlobSize(e.type)) {
        return bf.Bad("lengths out of range");
      }
      e.length = static_cast<uint32_t>(length);
      e.plain_length = static_cast<uint32_t>(plain);
      pack.blobs.push_back(e);
    }
    out.push_back(std::move(pack));
  }
  return out;
}

}  // namespace pb::repo
