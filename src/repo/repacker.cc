#include "repo/repacker.h"

#include <algorithm>
#include <set>

#include "repo/blob_writer.h"

namespace pb::repo {

Status Repacker::Copy(const PackEntry& e, std::string_view stored) {
  builder_.Add(e.id, e.type, stored, e.plain_length);
  return builder_.bytes() >= kPackTargetBytes ? Close() : Status::Ok();
}

Status Repacker::Close() {
  if (builder_.empty()) return Status::Ok();
  IndexedPack pack;
  std::string bytes = builder_.Finish(repo_->key(), &pack.blobs);
  pack.pack = Sha256Of(bytes);
  PB_RETURN_IF_ERROR(repo_->backend().Write(PathOf("data", ToHex(pack.pack)), bytes));
  written_.push_back(std::move(pack));
  return Status::Ok();
}

Status ReplaceIndexFiles(Repository* repo, const std::vector<IndexedPack>& packs,
                         const std::vector<std::string>& old_names) {
  std::set<std::string> written;
  for (size_t i = 0; i < packs.size(); i += kPacksPerIndexFile) {
    std::vector<IndexedPack> batch(packs.begin() + i, packs.begin() + std::min(packs.size(), i + kPacksPerIndexFile));
    auto saved = repo->SaveFile("index", EncodeIndexFile(batch));
    if (!saved.ok()) return saved.status();
    written.insert(*saved);
  }
  for (const std::string& name : old_names) {
    if (!written.count(name)) PB_RETURN_IF_ERROR(repo->backend().Remove(PathOf("index", name)));
  }
  return Status::Ok();
}

}  // namespace pb::repo
