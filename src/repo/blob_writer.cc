#include "repo/blob_writer.h"

#include "repo/compress.h"

namespace pb::repo {

bool BlobWriter::Has(const Digest& id) {
  if (repo_->index().Find(id)) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return claimed_.count(id) > 0;
}

Result<bool> BlobWriter::Store(const Digest& id, BlobType type, std::string_view plaintext) {
  if (repo_->index().Find(id)) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!claimed_.insert(id).second) return false;
  }
  std::string stored = Seal(repo_->key(), Compress(plaintext, type == BlobType::kTree ? 3 : level_));
  new_plain_bytes_ += plaintext.size();
  stored_bytes_ += stored.size();
  std::string pack;
  std::vector<PackEntry> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    builder_.Add(id, type, stored, static_cast<uint32_t>(plaintext.size()));
    if (builder_.bytes() < kPackTargetBytes) return true;
    pack = builder_.Finish(repo_->key(), &entries);
  }
  PB_RETURN_IF_ERROR(WritePack(std::move(pack), std::move(entries)));
  return true;
}

Status BlobWriter::WritePack(std::string pack, std::vector<PackEntry> entries) {
  Sha256 hash;
  hash.Update(pack);
  Digest name = hash.Finish();
  PB_RETURN_IF_ERROR(repo_->backend().Write(PathOf("data", ToHex(name)), pack));
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    unindexed_.push_back(IndexedPack{name, std::move(entries)});
  }
  return WriteIndex(/*force=*/false);
}

Status BlobWriter::WriteIndex(bool force) {
  std::vector<IndexedPack> batch;
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    if (unindexed_.empty() || (!force && unindexed_.size() < kPacksPerIndexFile)) return Status::Ok();
    batch.swap(unindexed_);
  }
  auto name = repo_->SaveFile("index", EncodeIndexFile(batch));
  return name.ok() ? Status::Ok() : name.status();
}

Status BlobWriter::Flush() {
  std::string pack;
  std::vector<PackEntry> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!builder_.empty()) pack = builder_.Finish(repo_->key(), &entries);
  }
  if (!pack.empty()) PB_RETURN_IF_ERROR(WritePack(std::move(pack), std::move(entries)));
  return WriteIndex(/*force=*/true);
}

}  // namespace pb::repo
