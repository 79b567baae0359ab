// init, snapshots, ls, check.
#include "cli/repo_commands.h"

#include <iostream>
#include <map>
#include <memory>

#include "cli/password.h"
#include "cli/repo_access.h"
#include "cli/snapshot_options.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/checker.h"
#include "repo/snapshot_select.h"
#include "replicate/shipped_records.h"

namespace pb::cli {
namespace {

std::string SnapshotJson(const repo::SnapshotRef& s) {
  std::string tags = "[";
  for (size_t i = 0; i < s.snapshot.tags.size(); ++i) {
    if (i) tags.push_back(',');
    AppendJsonString(&tags, s.snapshot.tags[i]);
  }
  tags.push_back(']');
  std::string out;
  JsonObject o(&out);
  o.Str("id", s.id)
      .Str("short_id", s.id.substr(0, 8))
      .Str("time", FormatIso8601(s.snapshot.time_ms))
      .Str("host", s.snapshot.host)
      .Str("data_dir", s.snapshot.data_dir)
      .Str("mode", s.snapshot.mode)
      .Raw("tags", tags)
      .UInt("files", s.snapshot.stats.files)
      .UInt("bytes", s.snapshot.stats.bytes)
      .Bool("include_env", s.snapshot.env.has_value());
  if (s.snapshot.ledger) o.UInt("journal_seq", s.snapshot.ledger->seq);
  o.Bool("journal", repo::HoldsJournal(s.snapshot));
  o.Close();
  return out;
}

// Prints every entry of the tree `id` below `prefix`, depth first.
Status ListTree(repo::Repository* repo, const Digest& id, const std::string& prefix, bool json, bool* first) {
  auto tree = repo->LoadTree(id);
  if (!tree.ok()) return tree.status();
  for (const repo::Node& n : tree->nodes) {
    std::string path = prefix + "/" + n.name;
    const char* type = n.type == repo::NodeType::kDir ? "dir" : n.type == repo::NodeType::kFile ? "file" : "symlink";
    if (json) {
      std::string line;
      JsonObject o(&line);
      o.Str("path", path).Str("type", type).UInt("mode", n.mode).Str("mtime", FormatIso8601(n.mtime_ns / 1000000));
      if (n.type == repo::NodeType::kFile) o.UInt("size", n.size);
      if (n.type == repo::NodeType::kSymlink) o.Str("target", n.target);
      o.Close();
      std::cout << (*first ? "" : ",\n") << line;
      *first = false;
    } else {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", n.mode);
      std::cout << type[0] << " " << mode << " " << (n.type == repo::NodeType::kFile ? std::to_string(n.size) : "-")
                << "\t" << FormatIso8601(n.mtime_ns / 1000000) << "\t" << path
                << (n.type == repo::NodeType::kSymlink ? " -> " + n.target : "") << "\n";
    }
    if (n.type == repo::NodeType::kDir) PB_RETURN_IF_ERROR(ListTree(repo, n.tree, path, json, first));
  }
  return Status::Ok();
}

}  // namespace

void AddInitCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<RepoOptions>();
  CLI::App* cmd = app->add_subcommand("init", "create an encrypted backup repository");
  AddRepoOptions(cmd, opts.get());
  cmd->callback([opts, exit_code] {
    auto password = ReadPassword(opts->password_file, /*confirm=*/true);
    if (!password.ok()) {
      *exit_code = ReportError("init", password.status());
      return;
    }
    auto backend = repo::CreateBackend(*opts);
    if (!backend.ok()) {
      *exit_code = ReportError("init", backend.status());
      return;
    }
    Status st = repo::Repository::Init(**backend, *password, repo::kDefaultKdf);
    if (!st.ok()) {
      *exit_code = ReportError("init", st);
      return;
    }
    std::cout << "created repository " << (*backend)->Describe()
              << "\nKeep the password safe: without it the backups cannot be read by anyone.\n";
  });
}

void AddSnapshotsCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    SnapshotFilterOptions filter;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "snapshots", "list the snapshots of a repository, by data directory (host and path), oldest first");
  AddRepoOptions(cmd, opts.get());
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_flag("--json", opts->json, "print a JSON array");
  cmd->callback([opts, exit_code] {
    auto opened = OpenRepo(*opts, repo::LockMode::kRead, "snapshots", /*load_index=*/false);
    if (!opened.ok()) {
      *exit_code = ReportError("snapshots", opened.status());
      return;
    }
    auto readable = ReadableSnapshots(opened->repo.get());
    if (!readable.ok()) {
      *exit_code = ReportError("snapshots", readable.status());
      return;
    }
    const std::vector<repo::SnapshotRef> all = repo::FilterSnapshots(*readable, opts->filter.Filter());
    if (opts->json) {
      std::cout << "[";
      for (size_t i = 0; i < all.size(); ++i) std::cout << (i ? ",\n" : "\n") << SnapshotJson(all[i]);
      std::cout << "\n]\n";
      return;
    }
    std::map<repo::SnapshotGroup, std::vector<const repo::SnapshotRef*>> groups;
    for (const repo::SnapshotRef& s : all) groups[repo::GroupOf(s.snapshot)].push_back(&s);
    for (const auto& [group, members] : groups) {
      std::cout << "host " << group.host << "  path " << group.data_dir << "\n"
                << "  ID        Time                      Mode       Seq       Journal Files  Size        Tags\n";
      for (const repo::SnapshotRef* s : members) {
        std::string tags;
        for (const std::string& t : s->snapshot.tags) tags += (tags.empty() ? "" : ",") + t;
        char line[256];
        std::snprintf(line, sizeof(line), "  %-9s %-25s %-10s %-9s %-7s %5llu  %-11s %s", s->id.substr(0, 8).c_str(),
                      FormatIso8601(s->snapshot.time_ms).c_str(), s->snapshot.mode.c_str(),
                      s->snapshot.ledger ? std::to_string(s->snapshot.ledger->seq).c_str() : "-",
                      repo::HoldsJournal(s->snapshot) ? "yes" : "no",
                      static_cast<unsigned long long>(s->snapshot.stats.files),
                      HumanBytes(s->snapshot.stats.bytes).c_str(), tags.c_str());
        std::cout << line << "\n";
      }
    }
    std::cout << all.size() << " snapshot(s) of " << groups.size() << " data director"
              << (groups.size() == 1 ? "y" : "ies");
    const repo::SnapshotFilter filter = opts->filter.Filter();
    if (!filter.empty()) std::cout << " matching " << filter.Describe() << " (of " << readable->size() << " in all)";
    std::cout << "\n";
  });
}

void AddLsCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    SnapshotFilterOptions filter;
    std::string snapshot;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("ls", "list the files of a snapshot");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->snapshot, "snapshot id (a unique prefix) or latest (of the only data directory)")
      ->required();
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_flag("--json", opts->json, "print a JSON array");
  cmd->callback([opts, exit_code] {
    auto opened = OpenRepo(*opts, repo::LockMode::kRead, "ls", /*load_index=*/true);
    if (!opened.ok()) {
      *exit_code = ReportError("ls", opened.status());
      return;
    }
    auto snap = ChooseSnapshot(opened->repo.get(), opts->snapshot, opts->filter.Filter(), std::nullopt);
    if (!snap.ok()) {
      *exit_code = ReportError("ls", snap.status());
      return;
    }
    bool first = true;
    if (opts->json) std::cout << "[\n";
    Status st = ListTree(opened->repo.get(), snap->snapshot.tree, "", opts->json, &first);
    if (opts->json) std::cout << "\n]\n";
    if (!st.ok()) *exit_code = ReportError("ls", st);
  });
}

void AddCheckCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    bool read_data = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("check", "check the repository's structure, or every byte with --read-data");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--read-data", opts->read_data, "read and verify every pack (every byte)");
  cmd->add_flag("--json", opts->json, "print the report as JSON");
  cmd->callback([opts, exit_code] {
    auto opened = OpenRepo(*opts, repo::LockMode::kRead, "check", /*load_index=*/false);
    if (!opened.ok()) {
      *exit_code = ReportError("check", opened.status());
      return;
    }
    ProgressLine progress;
    auto report = repo::CheckRepository(opened->repo.get(), opts->read_data, progress.ByteCounter(),
                                          replicate::CheckShippedRecords);
    progress.Finish();
    if (!report.ok()) {
      *exit_code = ReportError("check", report.status());
      return;
    }
    if (opts->json) {
      std::string out;
      JsonObject o(&out);
      o.Bool("ok", report->ok())
          .UInt("snapshots", report->snapshots)
          .UInt("trees", report->trees)
          .UInt("packs", report->packs)
          .UInt("blobs_read", report->blobs)
          .UInt("bytes_read", report->bytes_read)
          .UInt("wal_objects", report->wal_objects)
          .UInt("wal_objects_read", report->wal_opened);
      o.Raw("problems", JsonStringArray(report->problems)).Raw("notes", JsonStringArray(report->notes));
      o.Close();
      std::cout << out << "\n";
    } else {
      for (const std::string& n : report->notes) std::cout << "note: " << n << "\n";
      for (const std::string& p : report->problems) std::cout << "DAMAGED: " << p << "\n";
      std::cout << report->snapshots << " snapshot(s), " << report->trees << " tree(s), " << report->packs
                << " pack(s), " << report->wal_objects << " wal object(s) (" << report->wal_opened << " read)";
      if (opts->read_data) std::cout << ", " << report->blobs << " blob(s) and " << HumanBytes(report->bytes_read) << " read";
      if (report->ok()) {
        std::cout << ": no damage found\n";
      } else {
        std::cout << ": " << report->problems.size() << " problem(s): do not prune; run `paymentsctl repair`, then a "
                  << "backup (docs/backups.md, \"The repository is damaged\")\n";
      }
    }
    *exit_code = report->ok() ? 0 : 1;
  });
}

}  // namespace pb::cli
