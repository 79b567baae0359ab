// paymentsctl snapshots and ls.
#include <cstdio>
#include <map>
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/time_util.h"

namespace pb::cli {
namespace {

struct SnapshotsOptions : RepoOptions {
  SnapshotFilterOptions filter;
  OutputOptions output;
};

class SnapshotsPrinter : public Report {
 public:
  SnapshotsPrinter(const std::vector<repo::SnapshotRef>& shown, size_t total, const repo::SnapshotFilter& filter)
      : shown_(shown), total_(total), filter_(filter) {}

  void Json(JsonObject& o) const override {
    o.Raw("snapshots", JsonArray(shown_, [](std::string* out, const repo::SnapshotRef& s) {
      JsonObject e(out);
      SnapshotNameJson(e, s);
      e.Str("mode", s.snapshot.mode)
          .Raw("tags", JsonStringArray(s.snapshot.tags))
          .UInt("files", s.snapshot.stats.files)
          .UInt("bytes", s.snapshot.stats.bytes)
          .Bool("include_env", s.snapshot.env.has_value());
      if (s.snapshot.ledger) e.UInt("journal_seq", s.snapshot.ledger->seq);
      e.Bool("journal", repo::HoldsJournal(s.snapshot)).Close();
    }));
  }

  void Text(std::ostream& out) const override {
    std::map<repo::SnapshotGroup, std::vector<const repo::SnapshotRef*>> groups;
    for (const repo::SnapshotRef& s : shown_) groups[repo::GroupOf(s.snapshot)].push_back(&s);
    for (const auto& [group, members] : groups) {
      out << "host " << group.host << "  path " << group.data_dir << "\n"
          << "  ID        Time                      Mode       Seq       Journal Files  Size        Tags\n";
      for (const repo::SnapshotRef* s : members) out << Row(*s) << "\n";
    }
    out << shown_.size() << " snapshot(s) of " << groups.size() << " data director"
        << (groups.size() == 1 ? "y" : "ies");
    if (!filter_.empty()) out << " matching " << filter_.Describe() << " (of " << total_ << " in all)";
    out << "\n";
  }

 private:
  static std::string Row(const repo::SnapshotRef& s) {
    std::string tags;
    for (const std::string& t : s.snapshot.tags) tags += (tags.empty() ? "" : ",") + t;
    char line[256];
    std::snprintf(line, sizeof(line), "  %-9s %-25s %-10s %-9s %-7s %5llu  %-11s %s", s.id.substr(0, 8).c_str(),
                  FormatIso8601(s.snapshot.time_ms).c_str(), s.snapshot.mode.c_str(),
                  s.snapshot.ledger ? std::to_string(s.snapshot.ledger->seq).c_str() : "-",
                  repo::HoldsJournal(s.snapshot) ? "yes" : "no",
                  static_cast<unsigned long long>(s.snapshot.stats.files), HumanBytes(s.snapshot.stats.bytes).c_str(),
                  tags.c_str());
    return line;
  }

  const std::vector<repo::SnapshotRef>& shown_;
  size_t total_;
  const repo::SnapshotFilter& filter_;
};

Status RunSnapshots(const SnapshotsOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(options, {.mode = repo::LockMode::kRead, .operation = "snapshots"}, &out));
  PB_ASSIGN_OR_RETURN(const std::vector<repo::SnapshotRef> readable, ReadableSnapshots(opened.repo.get(), out));
  const repo::SnapshotFilter filter = options.filter.Filter();
  const std::vector<repo::SnapshotRef> shown = repo::FilterSnapshots(readable, filter);
  out.Print(SnapshotsPrinter(shown, readable.size(), filter));
  return Status::Ok();
}

struct LsOptions : RepoOptions {
  SnapshotFilterOptions filter;
  std::string snapshot;
  OutputOptions output;
};

// One entry of a snapshot's tree, with its path from the root ("/journal").
struct LsEntry {
  std::string path;
  repo::Node node;
};

// Appends every entry of the tree `id` below `prefix` to *entries, depth first.
Status CollectTree(repo::Repository* repo, const Digest& id, const std::string& prefix, std::vector<LsEntry>* entries) {
  PB_ASSIGN_OR_RETURN(const repo::Tree tree, repo->LoadTree(id));
  for (const repo::Node& n : tree.nodes) {
    const std::string path = prefix + "/" + n.name;
    entries->push_back({path, n});
    if (n.type == repo::NodeType::kDir) PB_RETURN_IF_ERROR(CollectTree(repo, n.tree, path, entries));
  }
  return Status::Ok();
}

const char* TypeName(repo::NodeType type) {
  return type == repo::NodeType::kDir ? "dir" : type == repo::NodeType::kFile ? "file" : "symlink";
}

std::string OctalMode(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", mode);
  return buf;
}

class LsPrinter : public Report {
 public:
  LsPrinter(const repo::SnapshotRef& snapshot, const std::vector<LsEntry>& entries)
      : snapshot_(snapshot), entries_(entries) {}

  void Json(JsonObject& o) const override {
    o.Str("snapshot_id", snapshot_.id).Raw("entries", JsonArray(entries_, [](std::string* out, const LsEntry& e) {
      JsonObject j(out);
      j.Str("path", e.path)
          .Str("type", TypeName(e.node.type))
          .Str("mode", OctalMode(e.node.mode))
          .Str("mtime", FormatIso8601(e.node.mtime_ns / 1000000));
      if (e.node.type == repo::NodeType::kFile) j.UInt("size", e.node.size);
      if (e.node.type == repo::NodeType::kSymlink) j.Str("target", e.node.target);
      j.Close();
    }));
  }

  void Text(std::ostream& out) const override {
    for (const LsEntry& e : entries_) {
      const repo::Node& n = e.node;
      out << TypeName(n.type)[0] << " " << OctalMode(n.mode) << " "
          << (n.type == repo::NodeType::kFile ? std::to_string(n.size) : "-") << "\t"
          << FormatIso8601(n.mtime_ns / 1000000) << "\t" << e.path
          << (n.type == repo::NodeType::kSymlink ? " -> " + n.target : "") << "\n";
    }
  }

 private:
  const repo::SnapshotRef& snapshot_;
  const std::vector<LsEntry>& entries_;
};

Status RunLs(const LsOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(options, {.mode = repo::LockMode::kRead, .operation = "ls",
                                                            .load_index = true},
                                                  &out));
  PB_ASSIGN_OR_RETURN(const repo::SnapshotRef snap, ChooseSnapshot(opened.repo.get(), options.snapshot,
                                                                   options.filter.Filter(), std::nullopt, out));
  std::vector<LsEntry> entries;
  PB_RETURN_IF_ERROR(CollectTree(opened.repo.get(), snap.snapshot.tree, "", &entries));
  out.Print(LsPrinter(snap, entries));
  return Status::Ok();
}

}  // namespace

void AddSnapshotsCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<SnapshotsOptions>();
  CLI::App* cmd = app->add_subcommand(
      "snapshots", "list the snapshots of a repository, by data directory (host and path), oldest first");
  AddRepoOptions(cmd, opts.get());
  AddSnapshotFilterOptions(cmd, &opts->filter);
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunSnapshots);
}

void AddLsCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<LsOptions>();
  CLI::App* cmd = app->add_subcommand("ls", "list the files of a snapshot");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->snapshot, "snapshot id (a unique prefix) or latest (of the only data directory)")
      ->required();
  AddSnapshotFilterOptions(cmd, &opts->filter);
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunLs);
}

}  // namespace pb::cli
