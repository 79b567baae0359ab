// Issue 17: forget and prune through the real paymentsctl. `forget
// --dry-run` prints the plan (text and JSON: each snapshot kept and why, or
// removed) and changes no file; with --prune the dry run shows what the real
// run then frees (planned as if the snapshots were already gone); `forget
// ID...` resolves every id first, so one unknown or ambiguous id removes
// nothing and each bad id is named; --keep-within keeps what is newer than
// the group's newest snapshot minus the duration; `prune --dry-run` prints
// its plan.
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <memory>

#include "common/sha256.h"
#include "repo/compress.h"
#include "repo/crypto.h"
#include "repo/repository.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<std::string>;

// The strings of the array `key` of the object `doc` (or of `item`).
Ids StringArray(simdjson::dom::element item, std::string_view key) {
  Ids out;
  simdjson::dom::array items;
  if (item[key].get_array().get(items) != simdjson::SUCCESS) return {"<" + std::string(key) + " is not an array>"};
  for (auto v : items) {
    std::string_view s;
    out.emplace_back(v.get_string().get(s) == simdjson::SUCCESS ? s : "<not a string>");
  }
  return out;
}

// id -> reasons of each snapshot the forget --json report `doc` keeps.
std::map<std::string, Ids> KeptReasons(const JsonDoc& doc) {
  std::map<std::string, Ids> out;
  simdjson::dom::array items;
  if (doc.root()["snapshots"].get_array().get(items) != simdjson::SUCCESS) return out;
  for (auto item : items) {
    std::string_view id;
    bool keep = false;
    if (item["id"].get_string().get(id) || item["keep"].get_bool().get(keep)) continue;
    if (keep) out[std::string(id)] = StringArray(item, "reasons");
  }
  return out;
}

class ForgetCli : public BackupTest {
 protected:
  // Three snapshots of a directory whose one 300 KiB file changes each
  // time: each backup writes one pack that only its snapshot uses.
  void SetUp() override {
    InitRepo();
    data_ = Sub("data");
    fs::create_directories(data_);
    for (uint64_t i = 0; i < 3; ++i) {
      PB_ASSERT_OK(WriteRandomFile(data_ + "/state.bin", 300 << 10, 100 + i));
      ids_.push_back(BackupId(data_, {"--allow-empty"}));
      ASSERT_FALSE(ids_.back().empty());
    }
  }

  // Every file of the repository but the locks (relative path -> size).
  std::map<std::string, uintmax_t> RepoState() const {
    std::map<std::string, uintmax_t> out;
    for (const auto& e : fs::recursive_directory_iterator(Repo())) {
      std::string rel = fs::relative(e.path(), Repo()).string();
      if (e.is_regular_file() && rel.rfind("locks/", 0) != 0) out[rel] = e.file_size();
    }
    return out;
  }

  // The ids `snapshots --json` lists.
  std::set<std::string> SnapshotIds() {
    ChildResult r = Ctl({"snapshots", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    Ids ids = JsonDoc(r.out).Strings("snapshots", "id");
    return std::set<std::string>(ids.begin(), ids.end());
  }

  repo::Snapshot Load(repo::Repository* repo, const std::string& id) {
    auto json = repo->LoadFile("snapshots", id);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    auto snap = repo::DecodeSnapshot(json.ok() ? *json : "", id);
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    return snap.ok() ? *snap : repo::Snapshot{};
  }

  // Stores a copy of snapshot `id` taken at `time_ms`; returns its id.
  std::string StoreCopyAt(repo::Repository* repo, const std::string& id, int64_t time_ms) {
    repo::Snapshot snap = Load(repo, id);
    snap.time_ms = time_ms;
    auto saved = repo->SaveFile("snapshots", repo::EncodeSnapshot(snap));
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    return saved.ok() ? *saved : "";
  }

  // Stores a copy of snapshot `id` whose id starts with the same 4 hex
  // digits (sealed again and again until its SHA-256 does: 65536 tries
  // expected), so that this prefix names two snapshots; returns its id.
  std::string StoreTwin(repo::Repository* repo, const std::string& id) {
    const std::string compressed = repo::Compress(repo::EncodeSnapshot(Load(repo, id)));
    for (int i = 0; i < 4'000'000; ++i) {
      std::string stored = repo::Seal(repo->key(), compressed);
      std::string name = Sha256Hex(stored);
      if (name.compare(0, 4, id, 0, 4) != 0) continue;
      Status st = repo->backend().Write(repo::PathOf("snapshots", name), stored);
      EXPECT_TRUE(st.ok()) << st.ToString();
      return name;
    }
    ADD_FAILURE() << "no sealed copy of " << id << " shares its first 4 hex digits";
    return "";
  }

  std::string data_;
  Ids ids_;  // oldest first
};

TEST_F(ForgetCli, DryRunPrintsThePlanInTextAndJsonAndChangesNoFile) {
  const auto before = RepoState();
  ChildResult text = Ctl({"forget", "--keep-last", "1", "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_NE(text.out.find("(keep last 1):\n  keep   " + ids_[2].substr(0, 8)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  last\n  remove " + ids_[1].substr(0, 8)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  remove " + ids_[0].substr(0, 8)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("would remove 2 snapshot(s) (--dry-run: nothing was removed)"), std::string::npos)
      << text.out;

  ChildResult json = Ctl({"forget", "--keep-last", "1", "--dry-run", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  JsonDoc doc(json.out);
  ASSERT_TRUE(doc.ok()) << json.out;
  EXPECT_TRUE(doc.Bool("ok")) << json.out;
  EXPECT_TRUE(doc.Bool("dry_run")) << json.out;
  EXPECT_EQ(doc.Str("policy"), "keep last 1");
  EXPECT_EQ(doc.UInt("removed"), 2u);
  EXPECT_EQ(StringArray(doc.root(), "removed_ids"), (Ids{ids_[1], ids_[0]}));
  EXPECT_EQ(KeptReasons(doc), (std::map<std::string, Ids>{{ids_[2], {"last"}}})) << json.out;
  EXPECT_EQ(RepoState(), before);
  EXPECT_EQ(SnapshotIds(), std::set<std::string>(ids_.begin(), ids_.end()));
}

TEST_F(ForgetCli, PruneDryRunShowsWhatTheRealRunThenFrees) {
  const auto before = RepoState();
  ChildResult dry = Ctl({"forget", "--keep-last", "1", "--prune", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.Describe();
  JsonDoc plan(dry.out);
  simdjson::dom::element planned = plan.root()["prune"];
  uint64_t packs_removed = 0, bytes_freed = 0;
  ASSERT_EQ(planned["packs_removed"].get_uint64().get(packs_removed), simdjson::SUCCESS) << dry.out;
  ASSERT_EQ(planned["bytes_freed"].get_uint64().get(bytes_freed), simdjson::SUCCESS) << dry.out;
  EXPECT_EQ(packs_removed, 2u) << dry.out;  // the packs of the two snapshots forgotten
  EXPECT_GT(bytes_freed, 600u << 10) << dry.out;
  const Ids removed_packs = StringArray(planned, "removed_packs");
  EXPECT_EQ(removed_packs.size(), 2u) << dry.out;
  EXPECT_EQ(RepoState(), before);
  ChildResult text = Ctl({"forget", "--keep-last", "1", "--prune", "--dry-run"});
  EXPECT_NE(text.out.find("  remove  pack " + (removed_packs.empty() ? "?" : removed_packs[0])), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("would prune: 2 pack(s) removed, 0 rewritten, 1 kept"), std::string::npos) << text.out;
  EXPECT_EQ(RepoState(), before);

  ChildResult real = Ctl({"forget", "--keep-last", "1", "--prune", "--json"});
  ASSERT_EQ(real.exit_code, 0) << real.Describe();
  JsonDoc done(real.out);
  uint64_t done_freed = 0;
  ASSERT_EQ(done.root()["prune"]["bytes_freed"].get_uint64().get(done_freed), simdjson::SUCCESS) << real.out;
  EXPECT_EQ(done_freed, bytes_freed);
  EXPECT_EQ(StringArray(done.root()["prune"], "removed_packs"), removed_packs);
  for (const std::string& pack : removed_packs) EXPECT_FALSE(fs::exists(Repo() + "/data/" + pack.substr(0, 2) + "/" + pack));
  EXPECT_EQ(SnapshotIds(), std::set<std::string>{ids_[2]});

  ChildResult again = Ctl({"prune", "--dry-run", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_TRUE(JsonDoc(again.out).Bool("ok")) << again.out;
  uint64_t left = 1;
  EXPECT_EQ(JsonDoc(again.out).root()["prune"]["packs_removed"].get_uint64().get(left), simdjson::SUCCESS);
  EXPECT_EQ(left, 0u) << again.out;
  ExpectCheckReadDataPasses("after forget --prune");
}

TEST_F(ForgetCli, ForgetByIdResolvesEveryIdFirstSoABadOneRemovesNothing) {
  std::string twin;
  {
    auto repo = OpenInProcess();
    ASSERT_NE(repo, nullptr);
    twin = StoreTwin(repo.get(), ids_[0]);
    ASSERT_FALSE(twin.empty());
  }
  const std::string unknown = "ffffffffff";
  for (const std::string& id : ids_) ASSERT_NE(id.rfind(unknown, 0), 0u);
  const std::string ambiguous = ids_[0].substr(0, 4);
  const auto before = RepoState();

  ChildResult refused = Ctl({"forget", ids_[1].substr(0, 8), ambiguous, unknown});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("nothing was removed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("\"" + ambiguous + "\" matches several snapshots"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("no snapshot with id \"" + unknown + "\""), std::string::npos) << refused.err;
  EXPECT_EQ(RepoState(), before);

  // Named twice (a prefix and the whole id), a snapshot is removed once.
  ChildResult named = Ctl({"forget", ids_[1].substr(0, 8), ids_[1], twin, "--json"});
  ASSERT_EQ(named.exit_code, 0) << named.Describe();
  JsonDoc doc(named.out);
  EXPECT_EQ(doc.Str("policy"), "named by id");
  EXPECT_EQ(doc.UInt("removed"), 2u) << named.out;
  EXPECT_EQ(SnapshotIds(), (std::set<std::string>{ids_[0], ids_[2]}));
}

TEST_F(ForgetCli, KeepWithinKeepsWhatIsNewerThanTheNewestSnapshotMinusTheDuration) {
  std::string three_days, ten_days;
  {
    auto repo = OpenInProcess();
    ASSERT_NE(repo, nullptr);
    const int64_t newest = Load(repo.get(), ids_[2]).time_ms;
    three_days = StoreCopyAt(repo.get(), ids_[0], newest - 3 * kDayMs);
    ten_days = StoreCopyAt(repo.get(), ids_[0], newest - 10 * kDayMs);
  }
  const auto before = RepoState();
  ChildResult plan = Ctl({"forget", "--keep-within", "7d", "--dry-run", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.Describe();
  JsonDoc doc(plan.out);
  EXPECT_EQ(doc.Str("policy"), "keep within 7d");
  EXPECT_EQ(StringArray(doc.root(), "removed_ids"), Ids{ten_days}) << plan.out;
  const std::map<std::string, Ids> kept = KeptReasons(doc);
  EXPECT_EQ(kept.size(), 4u) << plan.out;
  for (const auto& [id, reasons] : kept) EXPECT_EQ(reasons, Ids{"within 7d"}) << id;
  EXPECT_TRUE(kept.count(three_days)) << plan.out;
  EXPECT_EQ(RepoState(), before);

  for (const char* bad : {"7x", "1m", "7"}) {
    ChildResult refused = Ctl({"forget", "--keep-within", bad});
    EXPECT_EQ(refused.exit_code, 2) << refused.Describe();  // a bad value: a usage error
    EXPECT_NE(refused.err.find("--keep-within \"" + std::string(bad) + "\" is not a duration"), std::string::npos)
        << refused.err;
  }
  EXPECT_EQ(RepoState(), before);

  ChildResult real = Ctl({"forget", "--keep-within", "7d"});
  ASSERT_EQ(real.exit_code, 0) << real.Describe();
  EXPECT_NE(real.out.find("within 7d"), std::string::npos) << real.out;
  EXPECT_NE(real.out.find("removed 1 snapshot(s)\n"), std::string::npos) << real.out;
  EXPECT_FALSE(SnapshotIds().count(ten_days));
  EXPECT_EQ(SnapshotIds().size(), 4u);
}

}  // namespace
}  // namespace pb::integration
