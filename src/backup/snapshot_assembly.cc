#include "backup/snapshot_assembly.h"

#include "backup/entry_meta.h"
#include "common/log.h"
#include "common/process.h"
#include "ledger/datadir.h"

namespace pb::backup {

repo::SnapshotGroup RecordedGroup(const BackupOptions& options) {
  return {options.host.empty() ? HostName() : options.host,
          options.recorded_dir.empty() ? options.data_dir : options.recorded_dir};
}

TotalsScan::TotalsScan(const std::string& data_dir, const std::optional<repo::SnapshotLedger>& ledger,
                       const ParentFiles& parent)
    : data_dir_(data_dir), parent_(parent) {
  if (!ledger || ParentTotalsAtSameSeq(ledger->seq)) return;
  scan_ = std::async(std::launch::async, ledger::ScanTotals, ledger::JournalDir(data_dir), ledger->seq);
}

bool TotalsScan::ParentTotalsAtSameSeq(uint64_t seq) const {
  const std::optional<repo::SnapshotLedger>& before = parent_.ledger();
  return before && before->totals && before->seq == seq && ledger::DecodeTotals(*before->totals).ok();
}

bool TotalsScan::JournalSameAsParent(const FileSet& files) const {
  size_t segments = 0;
  for (const auto& [rel, fs] : files.files()) {
    if (!ledger::IsJournalSegment(rel)) continue;
    ++segments;
    const repo::Node* parent = parent_.Find(rel);
    if (!parent || parent->content.size() != fs.content.size()) return false;
    for (size_t i = 0; i < fs.content.size(); ++i) {
      const repo::ContentEntry &a = fs.content[i], &b = parent->content[i];
      if (a.hole != b.hole || a.blob != b.blob || a.length != b.length) return false;
    }
  }
  size_t parent_segments = 0;
  for (const auto& [rel, node] : parent_.files()) parent_segments += ledger::IsJournalSegment(rel) ? 1 : 0;
  return segments == parent_segments;
}

void TotalsScan::Record(const FileSet& files, repo::SnapshotLedger* ledger) {
  if (!scan_.valid() && ParentTotalsAtSameSeq(ledger->seq) && JournalSameAsParent(files)) {
    ledger->totals = parent_.ledger()->totals;
    return;
  }
  auto totals = scan_.valid() ? scan_.get() : ledger::ScanTotals(ledger::JournalDir(data_dir_), ledger->seq);
  if (!totals.ok()) {
    spdlog::warn("the snapshot records no ledger totals ({}); run `paymentsctl verify --data-dir {}`",
                 totals.status().message(), data_dir_);
    return;
  }
  ledger->totals = ledger::EncodeTotals(*totals);
}

repo::Snapshot AssembleSnapshot(const BackupOptions& options, SnapshotParts parts, const ParentFiles& parent,
                                const FileSet& files, const repo::BlobWriter& writer) {
  repo::Snapshot snap;
  snap.time_ms = parts.started_ms;
  const repo::SnapshotGroup group = RecordedGroup(options);
  snap.host = group.host;
  snap.data_dir = group.data_dir;
  snap.mode = ModeName(options.mode);
  snap.tags = options.tags;
  snap.tree = parts.tree;
  repo::Node root_meta;
  SetEntryMeta(parts.root, &root_meta);
  snap.root = repo::RootEntry{root_meta.mode, root_meta.mtime_ns, root_meta.owner};
  if (!parent.id().empty()) {
    Digest parent_id;
    if (FromHex(parent.id(), &parent_id)) snap.parent = parent_id;
  }
  snap.env = std::move(parts.env);
  snap.ledger = std::move(parts.ledger);
  snap.stats.files = files.files().size();
  for (const auto& [rel, fs] : files.files()) snap.stats.bytes += fs.node.size;
  snap.stats.new_bytes = writer.new_plain_bytes();
  snap.stats.stored_bytes = writer.stored_bytes();
  return snap;
}

}  // namespace pb::backup
