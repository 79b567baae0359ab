// ledger/stable_vector.h and common/string_arena.h: the replay's
// append-only storage, in blocks that double and are mapped (issue 18).
#include "ledger/stable_vector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/string_arena.h"

namespace pb::ledger {
namespace {

TEST(StableVector, ElementsStayPutAcrossEveryBlockBoundaryAndViewsSeeOnlyTheirPrefix) {
  StableVector<std::string> v;
  std::vector<const std::string*> addresses;
  StableVector<std::string>::View early;
  const size_t n = 4096 + 8192 + 16384 + 10;  // into the fourth block
  for (size_t i = 0; i < n; ++i) {
    v.push_back("element-" + std::to_string(i) + std::string(i % 40, 'x'));  // some on the heap
    addresses.push_back(&v[i]);
    if (i + 1 == 5000) early = v.Snapshot();
  }
  ASSERT_EQ(v.size(), n);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(&v[i], addresses[i]) << i;
    ASSERT_EQ(v[i], "element-" + std::to_string(i) + std::string(i % 40, 'x')) << i;
  }
  EXPECT_EQ(early.size(), 5000u);
  EXPECT_EQ(early[4095], v[4095]);
  EXPECT_EQ(&early[4096], &v[4096]);  // the first element of the second block
  size_t seen = 0;
  for (const std::string& s : early) EXPECT_EQ(&s, addresses[seen++]);
  EXPECT_EQ(seen, 5000u);
  EXPECT_EQ(v.back(), v[n - 1]);
}

// A start-up's bulk load maps huge pages; serving goes on in small ones.
TEST(StableVector, SwitchingPageSizesMidwayKeepsEveryElement) {
  StableVector<uint64_t> v;
  StringArena ids;
  v.SetPageSize(PageSize::kHuge);
  ids.SetPageSize(PageSize::kHuge);
  std::vector<std::string_view> views;
  for (uint64_t i = 0; i < 600000; ++i) {  // a block of 2 MiB and more
    if (i == 300000) {
      v.SetPageSize(PageSize::kSmall);
      ids.SetPageSize(PageSize::kSmall);
    }
    v.push_back(i * 3);
    views.push_back(ids.Intern("id-" + std::to_string(i)));
  }
  for (uint64_t i = 0; i < 600000; ++i) {
    ASSERT_EQ(v[i], i * 3) << i;
    ASSERT_EQ(views[i], "id-" + std::to_string(i)) << i;
  }
}

TEST(StableVector, DestroysEveryElementItConstructed) {
  auto token = std::make_shared<int>(7);
  {
    StableVector<std::shared_ptr<int>> v;
    for (int i = 0; i < 5000; ++i) v.push_back(token);
    EXPECT_EQ(token.use_count(), 5001);
  }
  EXPECT_EQ(token.use_count(), 1);
}

TEST(StringArena, ViewsStayValidAcrossBlocksAndAnIdLongerThanABlockFits) {
  StringArena arena;
  std::vector<std::pair<std::string_view, std::string>> kept;
  for (int i = 0; i < 300000; ++i) {  // about 4 MiB: several doubling blocks
    std::string id = "gen-" + std::to_string(i);
    kept.emplace_back(arena.Intern(id), id);
  }
  std::string huge(9 << 20, 'h');  // more than the largest block
  kept.emplace_back(arena.Intern(huge), huge);
  kept.emplace_back(arena.Intern("after"), "after");
  kept.emplace_back(arena.Intern(""), "");
  for (const auto& [view, text] : kept) ASSERT_EQ(view, text);
}

}  // namespace
}  // namespace pb::ledger
