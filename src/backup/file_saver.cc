#include "backup/file_saver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "backup/entry_meta.h"
#include "backup/file_reader.h"
#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::backup {
namespace {

using repo::ContentEntry;
using repo::Node;

// Bytes read at a time into the chunk being cut. The bytes a read brings
// past the chunk's end are copied to the next chunk's buffer, about half a
// read per chunk: small reads copy little (1/8 of the data for 1 MiB
// chunks), at one read call per 256 KiB.
constexpr size_t kReadBytes = size_t{256} << 10;

}  // namespace

FileSaver::FileSaver(const repo::MasterKey& key, repo::Chunker chunker, ChunkPipeline* pipeline,
                     ProgressMeter* progress, bool force_read)
    : key_(key), chunker_(std::move(chunker)), pipeline_(pipeline), progress_(progress), force_read_(force_read) {}

Status FileSaver::Save(const std::string& abs, const Node* parent, ReadKind kind, Sha256* hash, FileState* fs) {
  int raw = ::open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return Status::NotFound(abs + " disappeared during the backup");
    return Status::FromErrno("open " + abs, errno);
  }
  ScopedFd fd(raw);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + abs, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(abs + " is no longer a regular file");
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  uint64_t end = static_cast<uint64_t>(st.st_size);
  if (kind == ReadKind::kLog) {  // a torn last line is not data
    PB_ASSIGN_OR_RETURN(ledger::LastLine last, ledger::FindLastLine(fd.get(), end, UINT64_MAX, abs));
    end = last.end;
  }
  *fs = FileState{};
  fs->node.name = BaseName(abs);
  fs->node.type = repo::NodeType::kFile;
  SetFileMeta(st, &fs->node);
  fs->node.size = end;
  ++progress_->counts().files_done;
  PB_ASSIGN_OR_RETURN(uint64_t begin, Reuse(fd.get(), abs, parent, kind, hash, fs));
  if (fs->saved_as == SavedAs::kUnchanged) return Status::Ok();
  const uint64_t allocated = static_cast<uint64_t>(st.st_blocks) * 512;
  if (fs->saved_as == SavedAs::kReadWhole && parent && !hash && !force_read_ && parent->inode == fs->node.inode) {
    return SaveInPlace(fd.get(), abs, *parent, end, allocated, fs);
  }
  return StoreRange(fd.get(), abs, begin, end, allocated, fs, hash);
}

Result<uint64_t> FileSaver::Reuse(int fd, const std::string& abs, const Node* parent, ReadKind kind, Sha256* hash,
                                  FileState* fs) {
  const Node& node = fs->node;
  fs->saved_as = SavedAs::kReadWhole;
  if (!parent || hash || force_read_ || parent->inode != node.inode) return 0;
  if (parent->size == node.size && parent->mtime_ns == node.mtime_ns && parent->ctime_ns == node.ctime_ns) {
    fs->content.assign(parent->content.begin(), parent->content.end());
    progress_->counts().bytes_done += node.size;
    fs->saved_as = SavedAs::kUnchanged;
    return node.size;
  }
  // Only a log is known to have changed only past its old end; any other
  // grown file is compared chunk by chunk (SaveInPlace).
  if (kind == ReadKind::kPlain || node.size <= parent->size || parent->content.empty()) return 0;
  PB_ASSIGN_OR_RETURN(bool unchanged, PrefixUnchanged(fd, abs, *parent));
  if (!unchanged) return 0;
  // Read again from the start of the parent's last chunk, which may have
  // ended only because the file did (for a one-chunk parent: from byte 0).
  fs->content.assign(parent->content.begin(), parent->content.end() - 1);
  const uint64_t begin = parent->size - parent->content.back().length;
  progress_->counts().bytes_done += begin;
  fs->saved_as = SavedAs::kAppended;
  return begin;
}

Result<bool> FileSaver::PrefixUnchanged(int fd, const std::string& abs, const Node& parent) {
  std::string buf;
  uint64_t offset = 0;
  for (size_t i = 0; i < parent.content.size(); ++i) {
    const ContentEntry& e = parent.content[i];
    if (i == 0 || i + 1 == parent.content.size()) {
      buf.resize(static_cast<size_t>(e.length));
      PB_RETURN_IF_ERROR(ReadExact(fd, offset, buf.data(), buf.size(), abs));
      bool same = e.hole ? IsAllZero(buf) : repo::BlobId(key_, buf) == e.blob;
      if (!same) return false;
    }
    offset += e.length;
  }
  return true;
}

Status FileSaver::SaveInPlace(int fd, const std::string& abs, const Node& parent, uint64_t end, uint64_t allocated,
                              FileState* fs) {
  uint64_t offset = 0;
  std::optional<uint64_t> changed_from;  // start of the changed ranges not yet stored
  for (size_t i = 0; i < parent.content.size(); ++i) {
    const ContentEntry& e = parent.content[i];
    // The parent's last chunk may have ended only because the file did.
    const bool last_and_grown = i + 1 == parent.content.size() && end > parent.size;
    if (offset + e.length > end || last_and_grown) break;
    PB_ASSIGN_OR_RETURN(bool same, ChunkUnchanged(fd, abs, offset, e));
    if (same && changed_from) {
      PB_RETURN_IF_ERROR(StoreRange(fd, abs, *changed_from, offset, allocated, fs, nullptr));
      changed_from.reset();
    }
    if (same) fs->content.push_back(e);
    if (!same && !changed_from) changed_from = offset;
    offset += e.length;
  }
  return StoreRange(fd, abs, changed_from.value_or(offset), end, allocated, fs, nullptr);
}

Result<bool> FileSaver::ChunkUnchanged(int fd, const std::string& abs, uint64_t offset, const ContentEntry& e) {
  if (e.hole) return false;
  compare_buf_.resize(static_cast<size_t>(e.length));
  PB_RETURN_IF_ERROR(ReadExact(fd, offset, compare_buf_.data(), compare_buf_.size(), abs));
  bytes_hashed_ += e.length;
  const bool same = repo::BlobId(key_, compare_buf_) == e.blob;
  if (same) progress_->counts().bytes_done += e.length;
  progress_->Tick(false);
  return same;
}

Status FileSaver::StoreRange(int fd, const std::string& abs, uint64_t begin, uint64_t end, uint64_t allocated,
                             FileState* fs, Sha256* hash) {
  PB_ASSIGN_OR_RETURN(const std::vector<Extent> extents, DataExtents(fd, begin, end, allocated, abs));
  uint64_t pos = begin;
  for (const Extent& ext : extents) {
    StoreHole(ext.begin - pos, fs, hash);
    PB_RETURN_IF_ERROR(StoreExtent(fd, abs, ext.begin, ext.end, fs, hash));
    pos = ext.end;
  }
  StoreHole(end - pos, fs, hash);
  return Status::Ok();
}

void FileSaver::StoreHole(uint64_t length, FileState* fs, Sha256* hash) {
  if (length == 0) return;
  static const std::string kZeros(64 << 10, '\0');
  fs->content.push_back(ContentEntry{true, {}, length});
  for (uint64_t left = length; hash && left > 0;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, kZeros.size()));
    hash->Update(std::string_view(kZeros.data(), n));
    left -= n;
  }
  progress_->counts().bytes_done += length;
}

Status FileSaver::StoreExtent(int fd, const std::string& abs, uint64_t ext_begin, uint64_t ext_end, FileState* fs,
                              Sha256* hash) {
  // The chunker cuts before max_size bytes, so the current chunk's bytes and
  // one read always fit.
  const size_t capacity = chunker_.params().max_size + kReadBytes;
  chunker_.Reset();
  repo::PooledBuffer chunk;  // the chunk being cut: bytes [0, used) are scanned
  size_t used = 0;
  for (uint64_t off = ext_begin; off < ext_end;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kReadBytes, ext_end - off));
    if (!chunk) chunk = pipeline_->TakeBuffer(capacity);
    if (Status read = ReadExact(fd, off, chunk.data() + used, n, abs); !read.ok()) {
      pipeline_->GiveBack(std::move(chunk));
      return read;
    }
    if (hash) hash->Update(std::string_view(chunk.data() + used, n));
    size_t end = used + n;
    while (used < end) {
      std::optional<size_t> cut =
          chunker_.Scan(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()) + used, end - used));
      if (!cut) {
        used = end;
        break;
      }
      // The bytes read past the cut, if any, start the next chunk.
      const size_t chunk_end = used + *cut;
      repo::PooledBuffer next;
      if (chunk_end < end) {
        next = pipeline_->TakeBuffer(capacity);
        std::memcpy(next.data(), chunk.data() + chunk_end, end - chunk_end);
      }
      chunk.Shrink(chunk_end);
      PB_RETURN_IF_ERROR(Emit(std::move(chunk), fs));
      chunk = std::move(next);
      end -= chunk_end;
      used = 0;
    }
    off += n;
    progress_->counts().bytes_done += n;
    bytes_chunked_ += n;
    progress_->Tick(false);
  }
  if (used > 0) {  // else no buffer is held
    chunk.Shrink(used);
    PB_RETURN_IF_ERROR(Emit(std::move(chunk), fs));
  }
  return Status::Ok();
}

Status FileSaver::SaveText(const std::string& name, const struct stat& st, const std::string& text, FileState* fs) {
  *fs = FileState{};
  fs->node.name = name;
  SetFileMeta(st, &fs->node);
  fs->node.size = text.size();
  fs->saved_as = SavedAs::kReadWhole;
  bytes_chunked_ += text.size();
  if (text.empty()) return Status::Ok();
  repo::PooledBuffer chunk = pipeline_->TakeBuffer(text.size());
  std::memcpy(chunk.data(), text.data(), text.size());
  return Emit(std::move(chunk), fs);
}

Status FileSaver::Emit(repo::PooledBuffer chunk, FileState* fs) {
  ContentEntry entry;
  entry.length = chunk.size();
  fs->content.push_back(entry);
  return pipeline_->Submit(std::move(chunk), &fs->content.back());
}

}  // namespace pb::backup
