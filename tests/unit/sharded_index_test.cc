// ledger/sharded_index.h: the workload index replay fills (issue 18).
#include "ledger/sharded_index.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>

namespace pb::ledger {
namespace {

TEST(ShardedIndex, FindsEveryInsertedKeyThroughGrowthAndNoOther) {
  std::deque<std::string> keys;  // stable bytes, as the ledger's interned ids; key i at position i
  ShardedIndex index([&](uint32_t position) { return std::string_view(keys[position]); });
  EXPECT_FALSE(index.Find("gen-0").has_value());  // before any table exists
  for (uint32_t i = 0; i < 200000; ++i) {
    keys.push_back("gen-" + std::to_string(i));
    index.Insert(keys.back(), i);
  }
  for (uint32_t i = 0; i < 200000; ++i) {
    auto found = index.Find("gen-" + std::to_string(i));
    ASSERT_TRUE(found.has_value()) << i;
    EXPECT_EQ(*found, i);
  }
  for (uint32_t i = 200000; i < 210000; ++i) EXPECT_FALSE(index.Find("gen-" + std::to_string(i)).has_value());
  EXPECT_FALSE(index.Find("").has_value());
  EXPECT_FALSE(index.Find("gen-1 ").has_value());
}

TEST(ShardedIndex, ReserveKeepsWhatIsThereAndLaterInsertsFindable) {
  std::map<uint32_t, std::string> keys{{7, "a"}, {9, "b"}};  // by position
  ShardedIndex index([&](uint32_t position) { return std::string_view(keys.at(position)); });
  index.Insert(keys[7], 7);
  index.Reserve(100000);
  index.Insert(keys[9], 9);
  EXPECT_EQ(index.Find("a"), 7u);
  EXPECT_EQ(index.Find("b"), 9u);
  index.Reserve(10);  // never shrinks
  EXPECT_EQ(index.Find("a"), 7u);
}

}  // namespace
}  // namespace pb::ledger
