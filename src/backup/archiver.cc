#include "backup/archiver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <span>
#include <thread>
#include <unordered_map>

#include "backup/chunk_pipeline.h"
#include "backup/file_reader.h"
#include "backup/source_check.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/datadir.h"
#include "ledger/totals.h"
#include "repo/lock.h"
#include "repo/snapshot_select.h"

namespace pb::backup {
namespace {

using repo::ContentEntry;
using repo::Node;
using repo::NodeType;

constexpr size_t kReadBytes = size_t{4} << 20;
constexpr int kCheckpointAttempts = 500;  // x 20 ms
constexpr auto kProgressEvery = std::chrono::milliseconds(200);

int64_t Nanos(const struct timespec& ts) { return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec; }

// The metadata every entry records: permission bits, mtime and owner.
void SetEntryMeta(const struct stat& st, Node* node) {
  node->mode = st.st_mode & 07777;
  node->mtime_ns = Nanos(st.st_mtim);
  node->owner = repo::Owner{st.st_uid, st.st_gid};
}

std::string ParentOf(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}
std::string BaseName(const std::string& rel) { return rel.substr(rel.rfind('/') + 1); }

// A regular file being backed up. The content stays a deque until the
// workers are done: they write into its entries, which push_back never moves.
struct FileState {
  Node node;
  std::deque<ContentEntry> content;
};

enum class ReadKind { kPlain, kLog };

class Archiver {
 public:
  Archiver(repo::Repository* repo, const BackupOptions& options, const ProgressFn& progress)
      : repo_(repo),
        options_(options),
        progress_fn_(progress),
        writer_(repo, options.zstd_level),
        pipeline_(&writer_, &repo->key(), Workers(options), 2 * static_cast<size_t>(Workers(options)) + 2) {}

  Result<BackupResult> Run();

 private:
  static int Workers(const BackupOptions& o) {
    if (o.workers > 0) return o.workers;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  std::string RecordedHost() const { return options_.host.empty() ? repo::HostName() : options_.host; }
  std::string RecordedDir() const { return options_.recorded_dir.empty() ? options_.data_dir : options_.recorded_dir; }
  std::string Abs(const std::string& rel) const { return rel.empty() ? options_.data_dir : options_.data_dir + "/" + rel; }

  Status Walk(const std::string& rel);
  // The parent is `newest`, the newest snapshot of the recorded group (may be null).
  void LoadParent(const repo::SnapshotRef* newest);
  Status LoadParentTree(const Digest& id, const std::string& prefix);
  // True when every blob of the parent's `file` is in the index.
  bool AllIndexed(const Node& file) const;
  Status BackupCheckpointGroup();
  // Stores journal/CHECKPOINT as read (`text`), the last file of the group.
  Status BackupMarker(const std::string& marker_path, const std::string& text);
  Status BackupJournal();
  // Starts the scan that gives the snapshot's ledger totals in a
  // background thread, overlapping the backup of the remaining files, unless
  // the parent recorded totals at the same seq (then RecordTotals may reuse
  // them). Reads only the journal files, through ledger_->seq (immutable).
  void StartTotals();
  // Records in ledger_ the totals of that scan, or the parent's when its
  // journal content is the same blob for blob (scanning now when it is
  // not); a journal that does not scan leaves them out with a warning
  // (the backup goes on).
  // REQUIRES: the pipeline is drained (content entries are final).
  void RecordTotals();
  // True when the parent recorded readable totals at this snapshot's seq.
  bool ParentTotalsAtSameSeq() const;
  bool JournalSameAsParent() const;
  // Backs up the file at data-directory path `rel`; a file that vanished
  // since the walk is skipped with a warning unless `required`.
  Status BackupRel(const std::string& rel, ReadKind kind, Sha256* hash, bool required);
  Status BackupFile(const std::string& abs, const Node* parent, ReadKind kind, Sha256* hash, FileState* fs);
  Result<bool> PrefixUnchanged(int fd, const std::string& abs, const Node& parent);
  Status StoreRange(int fd, const std::string& abs, uint64_t begin, uint64_t end, uint64_t allocated, FileState* fs,
                    Sha256* hash);
  Status Emit(std::string chunk, FileState* fs);
  Result<Digest> BuildTree(const std::string& dir_rel,
                                 const std::map<std::string, std::vector<std::string>>& children);
  void Tick(bool force);

  repo::Repository* repo_;
  const BackupOptions& options_;
  const ProgressFn& progress_fn_;
  repo::BlobWriter writer_;
  ChunkPipeline pipeline_;
  Result<repo::Chunker> chunker_ = Status::InvalidArgument("not created");

  std::future<Result<ledger::LedgerTotals>> totals_;  // StartTotals' scan
  std::map<std::string, struct stat> dirs_;  // "" is the data directory itself
  std::vector<std::string> walked_files_;
  std::map<std::string, Node> symlinks_;
  std::map<std::string, FileState> files_;
  std::unordered_map<std::string, Node> parent_files_;
  std::string parent_id_;
  std::optional<repo::SnapshotLedger> parent_ledger_;
  std::optional<repo::SnapshotLedger> ledger_;

  BackupProgress progress_;
  BackupResult result_;
  std::chrono::steady_clock::time_point last_tick_{};
};

Status Archiver::Walk(const std::string& rel) {
  std::string abs = Abs(rel);
  DIR* dir = ::opendir(abs.c_str());
  if (!dir) return Status::FromErrno("open directory " + abs, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) return Status::FromErrno("list directory " + abs, read_errno);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    if (!Selected(child, options_.mode)) continue;
    struct stat st;
    if (::lstat(Abs(child).c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return Status::FromErrno("stat " + Abs(child), errno);
    }
    if (S_ISDIR(st.st_mode)) {
      dirs_[child] = st;
      PB_RETURN_IF_ERROR(Walk(child));
    } else if (S_ISREG(st.st_mode)) {
      walked_files_.push_back(child);
      progress_.bytes_total += static_cast<uint64_t>(st.st_size);
      ++progress_.files_total;
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(4096, '\0');
      ssize_t n = ::readlink(Abs(child).c_str(), target.data(), target.size());
      if (n <= 0) return Status::FromErrno("read symlink " + Abs(child), errno);
      target.resize(static_cast<size_t>(n));
      Node node;
      node.name = name;
      node.type = NodeType::kSymlink;
      SetEntryMeta(st, &node);
      node.target = target;
      symlinks_[child] = node;
    } else {
      spdlog::warn("skipping {}: not a regular file, directory or symlink", Abs(child));
    }
  }
  return Status::Ok();
}

void Archiver::LoadParent(const repo::SnapshotRef* newest) {
  if (!newest) return;
  Status st = LoadParentTree(newest->snapshot.tree, "");
  if (!st.ok()) {
    spdlog::warn("parent snapshot {} cannot be read ({}); reading every file", newest->id.substr(0, 8), st.ToString());
    parent_files_.clear();
    return;
  }
  parent_id_ = newest->id;
  parent_ledger_ = newest->snapshot.ledger;
}

bool Archiver::AllIndexed(const Node& file) const {
  return std::all_of(file.content.begin(), file.content.end(),
                     [this](const ContentEntry& e) { return e.hole || repo_->index().Find(e.blob) != nullptr; });
}

Status Archiver::LoadParentTree(const Digest& id, const std::string& prefix) {
  auto tree = repo_->LoadTree(id);
  if (!tree.ok()) return tree.status();
  for (Node& node : tree->nodes) {
    std::string rel = prefix.empty() ? node.name : prefix + "/" + node.name;
    if (node.type == NodeType::kDir) {
      PB_RETURN_IF_ERROR(LoadParentTree(node.tree, rel));
    } else if (node.type == NodeType::kFile && AllIndexed(node)) {
      // A file whose blobs left the index (`paymentsctl repair` dropped
      // them) is read again, so that this backup stores them again.
      parent_files_[rel] = std::move(node);
    }
  }
  return Status::Ok();
}

void Archiver::Tick(bool force) {
  if (!progress_fn_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_tick_ < kProgressEvery) return;
  last_tick_ = now;
  progress_fn_(progress_);
}

Status Archiver::Emit(std::string chunk, FileState* fs) {
  ContentEntry entry;
  entry.length = chunk.size();
  fs->content.push_back(entry);
  return pipeline_.Submit(std::move(chunk), &fs->content.back());
}

Status Archiver::StoreRange(int fd, const std::string& abs, uint64_t begin, uint64_t end, uint64_t allocated,
                            FileState* fs, Sha256* hash) {
  auto extents = DataExtents(fd, begin, end, allocated, abs);
  if (!extents.ok()) return extents.status();
  static const std::string kZeros(64 << 10, '\0');
  std::string buf(kReadBytes, '\0');
  uint64_t pos = begin;
  auto hole = [&](uint64_t length) {
    if (length == 0) return;
    fs->content.push_back(ContentEntry{true, {}, length});
    for (uint64_t left = length; hash && left > 0;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, kZeros.size()));
      hash->Update(std::string_view(kZeros.data(), n));
      left -= n;
    }
    progress_.bytes_done += length;
  };
  for (const Extent& ext : *extents) {
    hole(ext.begin - pos);
    chunker_->Reset();
    std::string chunk;
    bool have_chunk = false;
    for (uint64_t off = ext.begin; off < ext.end;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kReadBytes, ext.end - off));
      PB_RETURN_IF_ERROR(ReadExact(fd, off, buf.data(), n, abs));
      if (hash) hash->Update(std::string_view(buf.data(), n));
      std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(buf.data()), n);
      while (!data.empty()) {
        std::optional<size_t> cut = chunker_->Scan(data);
        size_t take = cut.value_or(data.size());
        if (!have_chunk) {
          chunk = pipeline_.TakeBuffer();
          have_chunk = true;
        }
        chunk.append(reinterpret_cast<const char*>(data.data()), take);
        if (cut) {
          PB_RETURN_IF_ERROR(Emit(std::move(chunk), fs));
          have_chunk = false;
        }
        data = data.subspan(take);
      }
      off += n;
      progress_.bytes_done += n;
      result_.bytes_read += n;
      Tick(false);
    }
    if (have_chunk && !chunk.empty()) PB_RETURN_IF_ERROR(Emit(std::move(chunk), fs));
    pos = ext.end;
  }
  hole(end - pos);
  return Status::Ok();
}

Result<bool> Archiver::PrefixUnchanged(int fd, const std::string& abs, const Node& parent) {
  std::string buf;
  uint64_t offset = 0;
  for (size_t i = 0; i < parent.content.size(); ++i) {
    const ContentEntry& e = parent.content[i];
    if (i == 0 || i + 1 == parent.content.size()) {
      buf.resize(static_cast<size_t>(e.length));
      PB_RETURN_IF_ERROR(ReadExact(fd, offset, buf.data(), buf.size(), abs));
      bool same = e.hole ? IsAllZero(buf) : repo::BlobId(repo_->key(), buf) == e.blob;
      if (!same) return false;
    }
    offset += e.length;
  }
  return true;
}

Status Archiver::BackupFile(const std::string& abs, const Node* parent, ReadKind kind, Sha256* hash, FileState* fs) {
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
  Node& node = fs->node;
  node.name = BaseName(abs);
  node.type = NodeType::kFile;
  SetEntryMeta(st, &node);
  node.ctime_ns = Nanos(st.st_ctim);
  node.inode = st.st_ino;
  node.size = end;
  ++progress_.files_done;

  bool may_reuse = parent && !hash && !options_.force_read && parent->inode == node.inode;
  if (may_reuse && parent->size == end && parent->mtime_ns == node.mtime_ns && parent->ctime_ns == node.ctime_ns) {
    fs->content.assign(parent->content.begin(), parent->content.end());
    progress_.bytes_done += end;
    ++result_.files_unchanged;
    return Status::Ok();
  }
  uint64_t begin = 0;
  if (may_reuse && end > parent->size && !parent->content.empty()) {
    auto unchanged = PrefixUnchanged(fd.get(), abs, *parent);
    if (!unchanged.ok()) return unchanged.status();
    if (*unchanged) {
      fs->content.assign(parent->content.begin(), parent->content.end() - 1);
      begin = parent->size - parent->content.back().length;
      progress_.bytes_done += begin;
      ++result_.files_grown;
    }
  }
  if (begin == 0) ++result_.files_read;
  return StoreRange(fd.get(), abs, begin, end, static_cast<uint64_t>(st.st_blocks) * 512, fs, hash);
}

Status Archiver::BackupRel(const std::string& rel, ReadKind kind, Sha256* hash, bool required) {
  auto parent = parent_files_.find(rel);
  Status st = BackupFile(Abs(rel), parent == parent_files_.end() ? nullptr : &parent->second, kind, hash, &files_[rel]);
  if (st.kind() == Status::Kind::kNotFound && !required) {
    spdlog::warn("{}", st.message());
    files_.erase(rel);
    return Status::Ok();
  }
  return st;
}

Status Archiver::BackupCheckpointGroup() {
  const std::string marker_path = Abs(ledger::kCheckpointMarker);
  if (!FileExists(marker_path)) {
    for (const char* name : ledger::kStateFiles) {
      if (FileExists(Abs(name))) PB_RETURN_IF_ERROR(BackupRel(name, ReadKind::kPlain, nullptr, false));
    }
    return Status::Ok();
  }
  for (int attempt = 0; attempt < kCheckpointAttempts; ++attempt) {
    if (attempt > 0) {
      // The workers may still write into the previous attempt's file states.
      PB_RETURN_IF_ERROR(pipeline_.Drain());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    PB_ASSIGN_OR_RETURN(std::string before, ReadFile(marker_path));
    auto marker = ledger::ParseCheckpointMarker(before, marker_path);
    if (!marker.ok()) {
      return Status::Corruption(marker_path + " is not a valid checkpoint marker; run `paymentsctl verify --data-dir " +
                                options_.data_dir + "` and repair the data directory before backing it up");
    }
    // The group is consistent when the bytes backed up are the ones CHECKPOINT
    // names and CHECKPOINT did not change meanwhile.
    bool consistent = true;
    for (size_t i = 0; i < ledger::kStateFileCount; ++i) {
      Sha256 hash;
      PB_RETURN_IF_ERROR(BackupRel(ledger::kStateFiles[i], ReadKind::kPlain, &hash, true));
      if (ToHex(hash.Finish()) != marker->file_sha[i]) consistent = false;
    }
    PB_ASSIGN_OR_RETURN(std::string after, ReadFile(marker_path));
    if (!consistent || after != before) continue;
    PB_RETURN_IF_ERROR(BackupMarker(marker_path, before));
    ledger_ = repo::SnapshotLedger{marker->point.seq, marker->point.seq};
    return Status::Ok();
  }
  return Status::Unavailable("journal/CHECKPOINT and the JSON files kept changing for 10 s (the service was "
                             "publishing a checkpoint every time); run the backup again");
}

Status Archiver::BackupMarker(const std::string& marker_path, const std::string& text) {
  FileState& fs = files_[ledger::kCheckpointMarker];
  struct stat st;
  if (::lstat(marker_path.c_str(), &st) != 0) return Status::FromErrno("stat " + marker_path, errno);
  fs = FileState{};
  fs.node.name = ledger::kCheckpointMarkerName;
  SetEntryMeta(st, &fs.node);
  fs.node.ctime_ns = Nanos(st.st_ctim);
  fs.node.inode = st.st_ino;
  fs.node.size = text.size();
  // Read whole, like every file of the group: count it so that
  // files = unchanged + grown + read whole.
  ++result_.files_read;
  result_.bytes_read += text.size();
  if (text.empty()) return Status::Ok();
  std::string chunk = pipeline_.TakeBuffer();
  chunk.assign(text);
  return Emit(std::move(chunk), &fs);
}

Status Archiver::BackupJournal() {
  const std::string dir = Abs(ledger::kJournalDir);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return errno == ENOENT ? Status::Ok() : Status::FromErrno("stat " + dir, errno);
  dirs_.try_emplace(ledger::kJournalDir, st);
  PB_ASSIGN_OR_RETURN(auto listed, ledger::ListSegments(dir));
  std::vector<std::string> segments;  // data-directory-relative, by first seq
  for (const ledger::Segment& seg : listed) {
    segments.push_back(std::string(ledger::kJournalDir) + "/" + ledger::SegmentFileName(seg.first_seq));
  }
  for (const std::string& rel : segments) PB_RETURN_IF_ERROR(BackupRel(rel, ReadKind::kLog, nullptr, true));
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    uint64_t end = files_[*it].node.size;
    if (end == 0) continue;
    PB_ASSIGN_OR_RETURN(ledger::ChainPoint last, ledger::LastRecordOfSegment(Abs(*it), end));
    if (!ledger_) ledger_ = repo::SnapshotLedger{};
    ledger_->seq = last.seq;
    ledger_->hash = last.hash;
    break;
  }
  return Status::Ok();
}

bool Archiver::JournalSameAsParent() const {
  size_t segments = 0;
  for (const auto& [rel, fs] : files_) {
    if (!ledger::IsJournalSegment(rel)) continue;
    ++segments;
    auto parent = parent_files_.find(rel);
    if (parent == parent_files_.end() || parent->second.content.size() != fs.content.size()) return false;
    for (size_t i = 0; i < fs.content.size(); ++i) {
      const repo::ContentEntry &a = fs.content[i], &b = parent->second.content[i];
      if (a.hole != b.hole || a.blob != b.blob || a.length != b.length) return false;
    }
  }
  size_t parent_segments = 0;
  for (const auto& [rel, node] : parent_files_) parent_segments += ledger::IsJournalSegment(rel) ? 1 : 0;
  return segments == parent_segments;
}

bool Archiver::ParentTotalsAtSameSeq() const {
  return ledger_ && parent_ledger_ && parent_ledger_->totals && parent_ledger_->seq == ledger_->seq &&
         ledger::DecodeTotals(*parent_ledger_->totals).ok();
}

void Archiver::StartTotals() {
  if (!ledger_ || ParentTotalsAtSameSeq()) return;
  totals_ = std::async(std::launch::async, ledger::ScanTotals, Abs(ledger::kJournalDir), ledger_->seq);
}

void Archiver::RecordTotals() {
  if (!totals_.valid() && ParentTotalsAtSameSeq() && JournalSameAsParent()) {
    ledger_->totals = parent_ledger_->totals;
    return;
  }
  auto totals = totals_.valid() ? totals_.get() : ledger::ScanTotals(Abs(ledger::kJournalDir), ledger_->seq);
  if (!totals.ok()) {
    spdlog::warn("the snapshot records no ledger totals ({}); run `paymentsctl verify --data-dir {}`",
            totals.status().message(), options_.data_dir);
    return;
  }
  ledger_->totals = ledger::EncodeTotals(*totals);
}

Result<Digest> Archiver::BuildTree(const std::string& dir_rel,
                                         const std::map<std::string, std::vector<std::string>>& children) {
  repo::Tree tree;
  auto it = children.find(dir_rel);
  if (it != children.end()) {
    for (const std::string& rel : it->second) {
      if (auto d = dirs_.find(rel); d != dirs_.end()) {
        Node node;
        node.name = BaseName(rel);
        node.type = NodeType::kDir;
        SetEntryMeta(d->second, &node);
        auto sub = BuildTree(rel, children);
        if (!sub.ok()) return sub.status();
        node.tree = *sub;
        tree.nodes.push_back(std::move(node));
      } else if (auto f = files_.find(rel); f != files_.end()) {
        Node node = f->second.node;
        node.content.assign(f->second.content.begin(), f->second.content.end());
        tree.nodes.push_back(std::move(node));
      } else {
        tree.nodes.push_back(symlinks_.at(rel));
      }
    }
  }
  std::sort(tree.nodes.begin(), tree.nodes.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
  std::string json = repo::EncodeTree(tree);
  Digest id = repo::BlobId(repo_->key(), json);
  auto stored = writer_.Store(id, repo::BlobType::kTree, json);
  if (!stored.ok()) return stored.status();
  return id;
}

Result<BackupResult> Archiver::Run() {
  int64_t started = NowMillis();
  chunker_ = repo::Chunker::Create(repo_->config().chunker, repo_->key().chunker);
  if (!chunker_.ok()) return chunker_.status();
  struct stat root;
  if (::stat(options_.data_dir.c_str(), &root) != 0) {
    if (errno == ENOENT) return Status::NotFound("data directory " + options_.data_dir + " does not exist");
    return Status::FromErrno("stat " + options_.data_dir, errno);
  }
  if (!S_ISDIR(root.st_mode)) return Status::InvalidArgument(options_.data_dir + " is not a directory");
  dirs_[""] = root;
  std::vector<std::string> damaged;  // a damaged snapshot is neither a parent nor a guard
  auto all = repo_->ListSnapshots(&damaged);
  if (!all.ok()) return all.status();
  const repo::SnapshotRef* newest = repo::NewestOfGroup(*all, {RecordedHost(), RecordedDir()});
  PB_RETURN_IF_ERROR(CheckBackupSource(options_.data_dir, newest, {options_.allow_empty, options_.allow_regression}));
  LoadParent(newest);
  PB_RETURN_IF_ERROR(Walk(""));
  Tick(true);

  // The consistent order of docs/repository-format.md.
  PB_RETURN_IF_ERROR(BackupCheckpointGroup());
  for (const char* log : ledger::kMirrorLogs) {
    const std::string rel = log;
    if (std::find(walked_files_.begin(), walked_files_.end(), rel) != walked_files_.end()) {
      PB_RETURN_IF_ERROR(BackupRel(rel, ReadKind::kLog, nullptr, false));
    }
  }
  PB_RETURN_IF_ERROR(BackupJournal());
  StartTotals();
  for (const std::string& rel : walked_files_) {
    if (files_.count(rel) || ledger::IsJournalSegment(rel)) continue;
    PB_RETURN_IF_ERROR(BackupRel(rel, ReadKind::kPlain, nullptr, false));
  }
  std::optional<Node> env;
  if (!options_.env_file.empty()) {
    FileState fs;
    PB_RETURN_IF_ERROR(BackupFile(options_.env_file, nullptr, ReadKind::kPlain, nullptr, &fs));
    PB_RETURN_IF_ERROR(pipeline_.Drain());
    fs.node.name = ".env";
    fs.node.content.assign(fs.content.begin(), fs.content.end());
    env = std::move(fs.node);
  }
  PB_RETURN_IF_ERROR(pipeline_.Drain());
  Tick(true);
  if (ledger_) RecordTotals();

  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [rel, st] : dirs_) {
    if (!rel.empty()) children[ParentOf(rel)].push_back(rel);
  }
  for (const auto& [rel, fs] : files_) children[ParentOf(rel)].push_back(rel);
  for (const auto& [rel, node] : symlinks_) children[ParentOf(rel)].push_back(rel);
  auto root_tree = BuildTree("", children);
  if (!root_tree.ok()) return root_tree.status();
  PB_RETURN_IF_ERROR(writer_.Flush());

  repo::Snapshot& snap = result_.snapshot;
  snap.time_ms = started;
  snap.host = RecordedHost();
  snap.data_dir = RecordedDir();
  snap.mode = ModeName(options_.mode);
  snap.tags = options_.tags;
  snap.tree = *root_tree;
  Node root_meta;
  SetEntryMeta(dirs_[""], &root_meta);
  snap.root = repo::RootEntry{root_meta.mode, root_meta.mtime_ns, root_meta.owner};
  if (!parent_id_.empty()) {
    Digest parent;
    if (FromHex(parent_id_, &parent)) snap.parent = parent;
  }
  snap.env = std::move(env);
  snap.ledger = ledger_;
  snap.stats.files = files_.size();
  for (const auto& [rel, fs] : files_) snap.stats.bytes += fs.node.size;
  snap.stats.new_bytes = writer_.new_plain_bytes();
  snap.stats.stored_bytes = writer_.stored_bytes();
  auto id = repo_->SaveFile("snapshots", repo::EncodeSnapshot(snap));
  if (!id.ok()) return id.status();
  result_.snapshot_id = *id;
  result_.parent_id = parent_id_;
  return result_;
}

}  // namespace

Result<BackupResult> RunBackup(repo::Repository* repo, const BackupOptions& options, const ProgressFn& progress) {
  Archiver archiver(repo, options, progress);
  return archiver.Run();
}

}  // namespace pb::backup
