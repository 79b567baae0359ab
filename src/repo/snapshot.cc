#include "repo/snapshot.h"

#include <algorithm>

#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/json_fields.h"
#include "repo/tree_json.h"
#include "repo/snapshot_select.h"

namespace pb::repo {

std::string EncodeSnapshot(const Snapshot& s) {
  std::string out;
  JsonObject o(&out);
  o.Int("version", 1)
      .Str("time", FormatIso8601(s.time_ms))
      .Str("host", s.host)
      .Str("data_dir", s.data_dir)
      .Str("mode", s.mode);
  std::string* tags = o.Key("tags");
  tags->push_back('[');
  for (size_t i = 0; i < s.tags.size(); ++i) {
    if (i) tags->push_back(',');
    AppendJsonString(tags, s.tags[i]);
  }
  tags->push_back(']');
  o.Str("tree", ToHex(s.tree));
  if (s.root) {
    std::string root;
    JsonObject ro(&root);
    AppendEntryMetaJson(&ro, s.root->mode, s.root->mtime_ns, s.root->owner);
    ro.Close();
    o.Raw("root", root);
  }
  if (s.parent) o.Str("parent", ToHex(*s.parent));
  o.Bool("include_env", s.env.has_value());
  if (s.env) AppendNodeJson(o.Key("env"), *s.env);
  if (s.ledger) {
    std::string ledger;
    JsonObject lo(&ledger);
    lo.UInt("seq", s.ledger->seq);
    if (s.ledger->hash) lo.Str("hash", ToHex(*s.ledger->hash));
    lo.UInt("checkpoint_seq", s.ledger->checkpoint_seq);
    if (s.ledger->totals) lo.Raw("totals", *s.ledger->totals);
    lo.Close();
    o.Raw("ledger", ledger);
  }
  std::string stats;
  JsonObject(&stats)
      .UInt("files", s.stats.files)
      .UInt("bytes", s.stats.bytes)
      .UInt("new_bytes", s.stats.new_bytes)
      .UInt("stored_bytes", s.stats.stored_bytes)
      .Close();
  o.Raw("stats", stats);
  o.Close();
  return out;
}

Result<Snapshot> DecodeSnapshot(std::string_view json, std::string_view what) {
  simdjson::dom::parser parser;
  auto root = ParseObject(parser, json, what);
  if (!root.ok()) return root.status();
  JsonFields f(*root, std::string(what));
  Snapshot s;
  uint64_t version = 0;
  PB_RETURN_IF_ERROR(f.UInt("version", &version));
  if (version != 1) return f.Bad("version " + std::to_string(version) + " is newer than this paymentsctl");
  std::string time;
  PB_RETURN_IF_ERROR(f.Str("time", &time));
  auto ms = ParseIso8601(time);
  if (!ms.ok()) return f.Bad("field time is not an ISO-8601 time");
  s.time_ms = *ms;
  PB_RETURN_IF_ERROR(f.Str("host", &s.host));
  PB_RETURN_IF_ERROR(f.Str("data_dir", &s.data_dir));
  PB_RETURN_IF_ERROR(f.Str("mode", &s.mode));
  simdjson::dom::array tags;
  bool has_tags = false;
  PB_RETURN_IF_ERROR(f.OptArray("tags", &tags, &has_tags));
  if (has_tags) {
    for (simdjson::dom::element t : tags) {
      std::string_view tag;
      if (t.get_string().get(tag) != simdjson::SUCCESS) return f.Bad("a tag is not a string");
      s.tags.emplace_back(tag);
    }
  }
  PB_RETURN_IF_ERROR(f.Hex("tree", &s.tree));
  simdjson::dom::object obj;
  bool present = false;
  PB_RETURN_IF_ERROR(f.OptObject("root", &obj, &present));
  if (present) {
    JsonFields rf(obj, std::string(what) + " root");
    RootEntry root;
    PB_RETURN_IF_ERROR(DecodeEntryMeta(rf, &root.mode, &root.mtime_ns, &root.owner));
    s.root = root;
  }
  Digest parent;
  bool has_parent = false;
  PB_RETURN_IF_ERROR(f.OptHex("parent", &parent, &has_parent));
  if (has_parent) s.parent = parent;
  PB_RETURN_IF_ERROR(f.OptObject("env", &obj, &present));
  if (present) {
    auto env = DecodeNode(obj, std::string(what) + " env");
    if (!env.ok()) return env.status();
    if (env->type != NodeType::kFile) return f.Bad("env is not a file");
    s.env = std::move(env).value();
  }
  PB_RETURN_IF_ERROR(f.OptObject("ledger", &obj, &present));
  if (present) {
    JsonFields lf(obj, std::string(what) + " ledger");
    SnapshotLedger l;
    PB_RETURN_IF_ERROR(lf.UInt("seq", &l.seq));
    Digest hash;
    bool has_hash = false;
    PB_RETURN_IF_ERROR(lf.OptHex("hash", &hash, &has_hash));
    if (has_hash) l.hash = hash;
    PB_RETURN_IF_ERROR(lf.UInt("checkpoint_seq", &l.checkpoint_seq));
    simdjson::dom::object totals_obj;
    bool has_totals = false;
    PB_RETURN_IF_ERROR(lf.OptObject("totals", &totals_obj, &has_totals));
    if (has_totals) l.totals = simdjson::minify(totals_obj);
    s.ledger = l;
  }
  PB_RETURN_IF_ERROR(f.OptObject("stats", &obj, &present));
  if (present) {
    JsonFields sf(obj, std::string(what) + " stats");
    PB_RETURN_IF_ERROR(sf.OptUInt("files", &s.stats.files));
    PB_RETURN_IF_ERROR(sf.OptUInt("bytes", &s.stats.bytes));
    PB_RETURN_IF_ERROR(sf.OptUInt("new_bytes", &s.stats.new_bytes));
    PB_RETURN_IF_ERROR(sf.OptUInt("stored_bytes", &s.stats.stored_bytes));
  }
  return s;
}

void SortSnapshots(std::vector<SnapshotRef>* all) {
  std::sort(all->begin(), all->end(), [](const SnapshotRef& a, const SnapshotRef& b) {
    return a.snapshot.time_ms != b.snapshot.time_ms ? a.snapshot.time_ms < b.snapshot.time_ms : a.id < b.id;
  });
}

Result<SnapshotRef> FindSnapshot(const std::vector<SnapshotRef>& all, std::string_view query) {
  if (query == "latest") {
    auto chosen = SelectSnapshot(all, query, SnapshotFilter{}, std::nullopt);
    if (!chosen.ok()) return chosen.status();
    return chosen->snapshot;
  }
  if (all.empty()) return Status::NotFound("the repository has no snapshot yet; run `paymentsctl backup` first");
  if (query.size() < 4) {
    return Status::InvalidArgument("snapshot id \"" + std::string(query) +
                                   "\" is too short: give at least 4 characters, or `latest`");
  }
  const SnapshotRef* found = nullptr;
  for (const SnapshotRef& s : all) {
    if (s.id.compare(0, query.size(), query) != 0) continue;
    if (found) {
      return Status::InvalidArgument("snapshot id \"" + std::string(query) +
                                     "\" matches several snapshots; give more characters (see `paymentsctl snapshots`)");
    }
    found = &s;
  }
  if (!found) {
    return Status::NotFound("no snapshot with id \"" + std::string(query) + "\"; list them with `paymentsctl snapshots`");
  }
  return *found;
}

}  // namespace pb::repo
