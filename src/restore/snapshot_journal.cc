#include "restore/snapshot_journal.h"

#include <string>
#include <string_view>
#include <vector>

#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "ledger/record.h"

namespace pb::restore {
namespace {

using repo::ContentEntry;
using repo::Node;

Result<std::string> ReadEntry(repo::Repository* repo, const ContentEntry& e, const std::string& what) {
  if (e.hole) return Status::Corruption(what + " holds a hole (zero bytes): it is not a journal segment");
  return repo->ReadBlob(e.blob);
}

// The record of one journal line "<hash> <body>" (no newline).
Result<RecordStamp> StampOf(std::string_view line, const std::string& what) {
  size_t space = line.find(' ');
  auto record = space == std::string_view::npos ? Result<ledger::Record>(Status::InvalidArgument("no space"))
                                                : ledger::DecodeBody(line.substr(space + 1));
  if (!record.ok()) {
    return Status::Corruption(what + ": a line is not a journal record (" + record.status().message() +
                              "); run `paymentsctl check --read-data`");
  }
  return RecordStamp{record->seq, record->ts_ms};
}

Result<RecordStamp> FirstRecord(repo::Repository* repo, const Node& segment, const std::string& what) {
  std::string head;
  for (const ContentEntry& e : segment.content) {
    auto piece = ReadEntry(repo, e, what);
    if (!piece.ok()) return piece.status();
    head += *piece;
    size_t nl = head.find('\n');
    if (nl != std::string::npos) return StampOf(std::string_view(head).substr(0, nl), what);
  }
  return Status::Corruption(what + " does not end in a newline (a torn record)");
}

Result<RecordStamp> LastRecord(repo::Repository* repo, const Node& segment, const std::string& what) {
  std::string tail;
  for (auto it = segment.content.rbegin(); it != segment.content.rend(); ++it) {
    auto piece = ReadEntry(repo, *it, what);
    if (!piece.ok()) return piece.status();
    tail.insert(0, *piece);
    if (tail.back() != '\n') return Status::Corruption(what + " does not end in a newline (a torn record)");
    size_t nl = tail.size() < 2 ? std::string::npos : tail.rfind('\n', tail.size() - 2);
    if (nl != std::string::npos) return StampOf(std::string_view(tail).substr(nl + 1, tail.size() - 2 - nl), what);
  }
  return StampOf(std::string_view(tail).substr(0, tail.size() - 1), what);  // a segment of one record
}

}  // namespace

Result<JournalEdges> ReadJournalEdges(repo::Repository* repo, const repo::SnapshotRef& snapshot) {
  const std::string what = "snapshot " + snapshot.id.substr(0, 8);
  auto root = repo->LoadTree(snapshot.snapshot.tree);
  if (!root.ok()) return root.status();
  const Node* journal = nullptr;
  for (const Node& node : root->nodes) {
    if (node.name == ledger::kJournalDir && node.type == repo::NodeType::kDir) journal = &node;
  }
  if (!journal) return Status::NotFound(what + " holds no journal/");
  auto tree = repo->LoadTree(journal->tree);
  if (!tree.ok()) return tree.status();
  std::vector<const Node*> segments;  // sorted by name, so by first seq
  for (const Node& node : tree->nodes) {
    if (node.type == repo::NodeType::kFile && node.size > 0 && ledger::IsSegmentName(node.name)) {
      segments.push_back(&node);
    }
  }
  if (segments.empty()) return Status::NotFound(what + ": its journal/ holds no record");
  JournalEdges edges;
  auto first = FirstRecord(repo, *segments.front(), what + " journal/" + segments.front()->name);
  if (!first.ok()) return first.status();
  auto last = LastRecord(repo, *segments.back(), what + " journal/" + segments.back()->name);
  if (!last.ok()) return last.status();
  edges.first = *first;
  edges.last = *last;
  return edges;
}

}  // namespace pb::restore
