#include "repo/repository.h"

#include <sodium.h>

#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/compress.h"
#include "repo/json_fields.h"
#include "repo/key_file.h"

namespace pb::repo {
namespace {

std::string EncodeConfig(const RepoConfig& c) {
  std::string chunker;
  JsonObject(&chunker)
      .UInt("min", c.chunker.min_size)
      .UInt("avg", c.chunker.avg_size)
      .UInt("max", c.chunker.max_size)
      .Close();
  std::string out;
  JsonObject(&out)
      .Int("version", 1)
      .Str("id", c.id)
      .Raw("chunker", chunker)
      .Str("created_at", FormatIso8601(c.created_ms))
      .Close();
  return out;
}

}  // namespace

Result<RepoConfig> DecodeConfig(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = ParseObject(parser, json, "config");
  if (!root.ok()) return root.status();
  JsonFields f(*root, "config");
  uint64_t version = 0;
  PB_RETURN_IF_ERROR(f.UInt("version", &version));
  if (version != 1) return f.Bad("repository version " + std::to_string(version) + " is newer than this paymentsctl");
  RepoConfig c;
  PB_RETURN_IF_ERROR(f.Str("id", &c.id));
  simdjson::dom::object ch;
  bool present = false;
  PB_RETURN_IF_ERROR(f.OptObject("chunker", &ch, &present));
  if (!present) return f.Bad("field chunker is missing");
  JsonFields cf(ch, "config chunker");
  uint64_t v = 0;
  PB_RETURN_IF_ERROR(cf.UInt("min", &v));
  c.chunker.min_size = v;
  PB_RETURN_IF_ERROR(cf.UInt("avg", &v));
  c.chunker.avg_size = v;
  PB_RETURN_IF_ERROR(cf.UInt("max", &v));
  c.chunker.max_size = v;
  Status valid = ValidateChunkerParams(c.chunker);
  if (!valid.ok() || c.chunker.max_size > kMaxDataBlob) return f.Bad("chunker sizes are invalid");
  std::string created;
  PB_RETURN_IF_ERROR(f.Str("created_at", &created));
  auto ms = ParseIso8601(created);
  if (ms.ok()) c.created_ms = *ms;
  return c;
}

std::string SealFile(const MasterKey& key, std::string_view json) { return Seal(key, Compress(json)); }

Result<std::string> OpenSealedFile(const MasterKey& key, std::string_view stored, std::string_view what) {
  auto plain = Open(key, stored);
  if (!plain.ok()) return Status::Corruption(std::string(what) + ": " + plain.status().message());
  auto json = Decompress(*plain, kMaxSealedFile);
  if (!json.ok()) return Status::Corruption(std::string(what) + ": " + json.status().message());
  return json;
}

namespace {

// Decodes the opened (decrypted) blob `plain` into storage from
// alloc(size), and checks its length and id (OpenBlob's checks).
template <typename Buffer, typename Alloc>
Result<Buffer> DecodeBlob(const MasterKey& key, std::string_view plain, const Digest& id, const BlobLocation& loc,
                          std::string_view what, Alloc alloc) {
  auto bad = [&](const std::string& detail) { return Status::Corruption(std::string(what) + ": " + detail); };
  auto size = DecodedSize(plain, MaxBlobSize(loc.type));
  if (!size.ok()) return bad(size.status().message());
  if (*size != loc.plain_length) {
    return bad("holds " + std::to_string(*size) + " bytes, the index says " + std::to_string(loc.plain_length));
  }
  Buffer out = alloc(*size);
  Status decoded = DecompressInto(plain, out.data(), *size);
  if (!decoded.ok()) return bad(decoded.message());
  if (BlobId(key, std::string_view(out.data(), *size)) != id) return bad("content does not match its blob id");
  return out;
}

Status NotOpened(std::string_view what, const Status& why) {
  return Status::Corruption(std::string(what) + ": " + why.message());
}

}  // namespace

Result<std::string> OpenBlob(const MasterKey& key, std::string_view stored, const Digest& id, const BlobLocation& loc,
                             std::string_view what) {
  auto plain = Open(key, stored);
  if (!plain.ok()) return NotOpened(what, plain.status());
  return DecodeBlob<std::string>(key, *plain, id, loc, what, [](size_t n) { return std::string(n, '\0'); });
}

Result<PooledBuffer> OpenBlobInPlace(const MasterKey& key, char* stored, size_t size, const Digest& id,
                                     const BlobLocation& loc, std::string_view what, BufferPool* pool) {
  auto plain = OpenInPlace(key, stored, size);
  if (!plain.ok()) return NotOpened(what, plain.status());
  return DecodeBlob<PooledBuffer>(key, *plain, id, loc, what, [pool](size_t n) { return pool->Acquire(n); });
}

Status Repository::Init(Backend& backend, std::string_view password, const KdfParams& kdf) {
  MasterKey key = MasterKey::Generate();
  auto key_file = EncodeKeyFile(key, password, kdf);
  if (!key_file.ok()) return key_file.status();
  RepoConfig config;
  std::string id(32, '\0');
  randombytes_buf(id.data(), id.size());
  Digest id_digest;
  std::copy(id.begin(), id.end(), reinterpret_cast<char*>(id_digest.data()));
  config.id = ToHex(id_digest);
  config.created_ms = NowMillis();
  PB_RETURN_IF_ERROR(backend.Write(PathOf("keys", Sha256Hex(*key_file)), *key_file));
  return backend.Write("config", SealFile(key, EncodeConfig(config)));
}

Result<std::unique_ptr<Repository>> Repository::Open(std::unique_ptr<Backend> backend, std::string_view password) {
  std::unique_ptr<Repository> repo(new Repository(std::move(backend)));
  auto unlocked = UnlockKeyFiles(*repo->backend_, password);
  if (!unlocked.ok()) return unlocked.status();
  repo->key_ = unlocked->key;
  repo->key_file_ = std::move(unlocked->name);
  auto stored = repo->backend_->Read("config");
  if (!stored.ok()) return stored.status();
  auto json = OpenSealedFile(repo->key_, *stored, "config");
  if (!json.ok()) return json.status();
  auto config = DecodeConfig(*json);
  if (!config.ok()) return config.status();
  repo->config_ = *config;
  return repo;
}

Result<std::string> Repository::SaveFile(std::string_view folder, std::string_view json) {
  std::string stored = SealFile(key_, json);
  std::string name = Sha256Hex(stored);
  PB_RETURN_IF_ERROR(backend_->Write(PathOf(folder, name), stored));
  return name;
}

Result<std::string> Repository::LoadFile(std::string_view folder, std::string_view name) {
  std::string path = PathOf(folder, name);
  auto stored = backend_->Read(path);
  if (!stored.ok()) return stored.status();
  if (Sha256Hex(*stored) != name) {
    return Status::Corruption(path + ": its SHA-256 does not match its name (the file is damaged)");
  }
  return OpenSealedFile(key_, *stored, path);
}

Result<std::vector<IndexedPack>> Repository::LoadIndexFile(const std::string& name) {
  auto json = LoadFile("index", name);
  if (!json.ok()) return json.status();
  return DecodeIndexFile(*json, "index/" + name);
}

Status Repository::LoadIndex() {
  auto names = backend_->List("index");
  if (!names.ok()) return names.status();
  index_ = Index();
  unreadable_index_.clear();
  for (const std::string& name : *names) {
    auto packs = LoadIndexFile(name);
    if (!packs.ok()) {
      if (packs.status().kind() != Status::Kind::kCorruption) return packs.status();
      unreadable_index_.push_back(packs.status().message());
      continue;
    }
    for (const IndexedPack& p : *packs) index_.Add(p);
  }
  return Status::Ok();
}

Status Repository::NotInIndex(const Digest& id) const {
  std::string why = "blob " + ToHex(id) + " is not in the index (the repository lost data";
  if (!unreadable_index_.empty()) {
    why += ", or it is listed in an index file that cannot be read: " + unreadable_index_.front();
    if (unreadable_index_.size() > 1) why += " (and " + std::to_string(unreadable_index_.size() - 1) + " more)";
    why += "; `paymentsctl repair` rebuilds the index from the packs";
  }
  return Status::NotFound(why + ")");
}

std::string Repository::PackPath(const BlobLocation& loc) const {
  return PathOf("data", ToHex(index_.PackName(loc.pack)));
}

Result<std::string> Repository::ReadBlob(const Digest& id) {
  const BlobLocation* loc = index_.Find(id);
  if (!loc) return NotInIndex(id);
  const std::string pack_path = PackPath(*loc);
  auto stored = backend_->ReadRange(pack_path, loc->offset, loc->length);
  if (!stored.ok()) return stored.status();
  return OpenBlob(key_, *stored, id, *loc, pack_path + " blob " + ToHex(id).substr(0, 16));
}

void Repository::ReadBlobRun(const std::vector<Digest>& ids, BufferPool* pool, const BlobSink& take) {
  std::vector<const BlobLocation*> locs;
  for (const Digest& id : ids) {
    const BlobLocation* loc = index_.Find(id);
    const bool follows = loc && (locs.empty() || (loc->pack == locs[0]->pack &&
                                                  loc->offset >= locs.back()->offset + locs.back()->length));
    if (!follows) {
      for (size_t i = 0; i < ids.size(); ++i) {
        const BlobLocation* each = index_.Find(ids[i]);
        if (!each) {
          take(i, NotInIndex(ids[i]));
          continue;
        }
        ReadPackRange({ids[i]}, {each}, pool, [&](size_t, Result<PooledBuffer> blob) { take(i, std::move(blob)); });
      }
      return;
    }
    locs.push_back(loc);
  }
  if (!locs.empty()) ReadPackRange(ids, locs, pool, take);
}

void Repository::ReadPackRange(const std::vector<Digest>& ids, const std::vector<const BlobLocation*>& locs,
                               BufferPool* pool, const BlobSink& take) {
  const uint64_t start = locs.front()->offset;
  const uint64_t end = locs.back()->offset + locs.back()->length;
  const std::string pack_path = PackPath(*locs.front());
  PooledBuffer stored = pool->Acquire(end - start);
  const Status read = backend_->ReadRangeInto(pack_path, start, end - start, stored.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!read.ok()) {
      take(i, read);
      continue;
    }
    take(i, OpenBlobInPlace(key_, stored.data() + (locs[i]->offset - start), locs[i]->length, ids[i], *locs[i],
                            pack_path + " blob " + ToHex(ids[i]).substr(0, 16), pool));
  }
}

Result<Tree> Repository::LoadTree(const Digest& id) {
  auto json = ReadBlob(id);
  if (!json.ok()) return json.status();
  return DecodeTree(*json, "tree " + ToHex(id).substr(0, 16));
}

Result<std::vector<SnapshotRef>> Repository::ListSnapshots(std::vector<std::string>* damaged) {
  auto names = backend_->List("snapshots");
  if (!names.ok()) return names.status();
  std::vector<SnapshotRef> out;
  for (const std::string& name : *names) {
    auto json = LoadFile("snapshots", name);
    Result<Snapshot> snap = json.ok() ? DecodeSnapshot(*json, "snapshots/" + name) : Result<Snapshot>(json.status());
    if (!snap.ok()) {
      if (!damaged || snap.status().kind() != Status::Kind::kCorruption) return snap.status();
      damaged->push_back(snap.status().message());
      continue;
    }
    out.push_back(SnapshotRef{name, std::move(snap).value()});
  }
  SortSnapshots(&out);
  return out;
}

Status Repository::RemoveSnapshot(std::string_view id) {
  Digest digest;
  if (!FromHex(id, &digest)) {
    return Status::InvalidArgument("\"" + std::string(id) + "\" is not a snapshot id (64 hex digits)");
  }
  Status st = backend_->Remove(PathOf("snapshots", id));
  return st.kind() == Status::Kind::kNotFound ? Status::Ok() : st;
}

}  // namespace pb::repo
