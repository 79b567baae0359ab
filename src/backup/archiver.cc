#include "backup/archiver.h"

#include <algorithm>
#include <thread>

#include "backup/chunk_pipeline.h"
#include "backup/file_saver.h"
#include "backup/file_set.h"
#include "backup/ledger_reader.h"
#include "backup/parent_files.h"
#include "backup/progress_meter.h"
#include "backup/snapshot_assembly.h"
#include "backup/source_check.h"
#include "backup/tree_builder.h"
#include "backup/walker.h"
#include "common/time_util.h"
#include "ledger/datadir.h"

namespace pb::backup {
namespace {

int Workers(const BackupOptions& o) {
  if (o.workers > 0) return o.workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// One backup: the stages in the consistent order of
// docs/repository-format.md, each in its own file of backup/.
class Archiver {
 public:
  Archiver(repo::Repository* repo, const BackupOptions& options, const ProgressFn& progress)
      : repo_(repo),
        options_(options),
        progress_(progress),
        writer_(repo, options.zstd_level),
        pipeline_(&writer_, &repo->key(), Workers(options), 2 * static_cast<size_t>(Workers(options)) + 2) {}

  Result<BackupResult> Run();

 private:
  // Walks the data directory and saves every file into `files` in the
  // consistent order, then the .env; parts gains the ledger and the .env.
  // Returns the walk, for the trees.
  Result<DataDirListing> SaveFiles(const ParentFiles& parent, FileSet* files, FileSaver* saver, SnapshotParts* parts);
  // The walked files the ledger reader did not save, in walk order,
  // except journal segments (a segment the walk found and the reader's
  // listing did not was removed meanwhile); audit/payments-audit.log as an
  // append-only log.
  Status SaveOtherFiles(const DataDirListing& listing, FileSet* files);
  // The .env file of options_, outside the data directory's tree.
  Result<std::optional<repo::Node>> SaveEnv(FileSaver* saver);
  // Writes the snapshot of `parts`; the result reported to the caller.
  Result<BackupResult> WriteSnapshot(SnapshotParts parts, const ParentFiles& parent, const FileSet& files,
                                     const FileSaver& saver);

  repo::Repository* repo_;
  const BackupOptions& options_;
  ProgressMeter progress_;
  repo::BlobWriter writer_;
  ChunkPipeline pipeline_;
};

Status Archiver::SaveOtherFiles(const DataDirListing& listing, FileSet* files) {
  for (const std::string& rel : listing.files) {
    if (files->Has(rel) || ledger::IsJournalSegment(rel)) continue;
    const ReadKind kind = ledger::IsAppendOnlyLog(rel) ? ReadKind::kAppendOnly : ReadKind::kPlain;
    PB_RETURN_IF_ERROR(files->Save(rel, kind, nullptr, false));
  }
  return Status::Ok();
}

Result<std::optional<repo::Node>> Archiver::SaveEnv(FileSaver* saver) {
  if (options_.env_file.empty()) return std::optional<repo::Node>();
  FileState fs;
  const Status saved = saver->Save(options_.env_file, nullptr, ReadKind::kPlain, nullptr, &fs);
  const Status drained = saver->Drain();  // also on error: the workers write into fs
  PB_RETURN_IF_ERROR(saved);
  PB_RETURN_IF_ERROR(drained);
  fs.node.name = ".env";
  fs.node.content.assign(fs.content.begin(), fs.content.end());
  return std::optional<repo::Node>(std::move(fs.node));
}

Result<DataDirListing> Archiver::SaveFiles(const ParentFiles& parent, FileSet* files, FileSaver* saver,
                                           SnapshotParts* parts) {
  PB_ASSIGN_OR_RETURN(DataDirListing listing, WalkDataDir(options_.data_dir, parts->root, options_.mode));
  progress_.counts().bytes_total = listing.file_bytes;
  progress_.counts().files_total = listing.files.size();
  progress_.Tick(true);

  PB_ASSIGN_OR_RETURN(parts->ledger, ReadLedgerFiles(options_.data_dir, &listing, files));
  TotalsScan totals(options_.data_dir, parts->ledger, parent);
  PB_RETURN_IF_ERROR(SaveOtherFiles(listing, files));
  PB_ASSIGN_OR_RETURN(parts->env, SaveEnv(saver));
  PB_RETURN_IF_ERROR(pipeline_.Drain());
  progress_.Tick(true);
  if (parts->ledger) totals.Record(*files, &*parts->ledger);
  return listing;
}

Result<BackupResult> Archiver::WriteSnapshot(SnapshotParts parts, const ParentFiles& parent, const FileSet& files,
                                             const FileSaver& saver) {
  BackupResult result;
  result.snapshot = AssembleSnapshot(options_, std::move(parts), parent, files, writer_);
  PB_ASSIGN_OR_RETURN(result.snapshot_id, repo_->SaveFile("snapshots", repo::EncodeSnapshot(result.snapshot)));
  result.parent_id = parent.id();
  const FileCounts counts = files.Counts();
  result.files_unchanged = counts.unchanged;
  result.files_grown = counts.appended;
  result.files_read = counts.read_whole;
  result.bytes_read = saver.bytes_read();
  result.bytes_hashed = saver.bytes_hashed();
  result.bytes_chunked = saver.bytes_chunked();
  return result;
}

Result<BackupResult> Archiver::Run() {
  SnapshotParts parts;
  parts.started_ms = NowMillis();
  PB_ASSIGN_OR_RETURN(repo::Chunker chunker, repo::Chunker::Create(repo_->config().chunker, repo_->key().chunker));
  PB_ASSIGN_OR_RETURN(parts.root, StatDataDir(options_.data_dir));
  std::vector<std::string> damaged;  // a damaged snapshot is neither a parent nor a guard
  PB_ASSIGN_OR_RETURN(const std::vector<repo::SnapshotRef> all, repo_->ListSnapshots(&damaged));
  const repo::SnapshotRef* newest = repo::NewestOfGroup(all, RecordedGroup(options_));
  PB_RETURN_IF_ERROR(CheckBackupSource(options_.data_dir, newest, {options_.allow_empty, options_.allow_regression}));

  const ParentFiles parent = ParentFiles::Load(repo_, all, newest);
  FileSaver saver(repo_->key(), std::move(chunker), &pipeline_, &progress_, options_.force_read);
  FileSet files(options_.data_dir, &saver, &parent);
  Result<DataDirListing> listing = SaveFiles(parent, &files, &saver, &parts);
  if (!listing.ok()) {
    (void)pipeline_.Drain();  // its workers may still write into the entries of `files`
    return listing.status();
  }
  PB_ASSIGN_OR_RETURN(parts.tree, BuildTrees(*listing, files.files(), repo_->key(), &writer_));
  PB_RETURN_IF_ERROR(writer_.Flush());
  return WriteSnapshot(std::move(parts), parent, files, saver);
}

}  // namespace

Result<BackupResult> RunBackup(repo::Repository* repo, const BackupOptions& options, const ProgressFn& progress) {
  Archiver archiver(repo, options, progress);
  return archiver.Run();
}

}  // namespace pb::backup
