#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::server {

// Paging of the list routes (GET /api/orchestrators, /api/workloads,
// /api/balances) by `offset` and `limit`. Their lists only grow at the end
// (first-seen or recording order) and never lose an entry, so following
// `next_offset` from 0 visits every entry once, without gaps or repeats,
// whatever is added meanwhile. A reply costs O(limit), never O(list).
inline constexpr uint64_t kDefaultPageLimit = 100;
inline constexpr uint64_t kMaxPageLimit = 1000;
inline constexpr uint64_t kMaxPageOffset = UINT32_MAX;

struct Page {
  uint64_t offset = 0;
  uint64_t limit = kDefaultPageLimit;
};

// `offset` (0..kMaxPageOffset, default 0) and `limit` (1..kMaxPageLimit,
// default kDefaultPageLimit) from a query string; InvalidArgument naming the
// parameter and its range otherwise (see QueryUInt), or naming a parameter
// that is neither.
Result<Page> ParsePage(std::string_view query);

// One past the last index of `page` in a list of `total` entries.
inline uint64_t PageEnd(const Page& page, uint64_t total) {
  return page.offset >= total ? page.offset : std::min(total, page.offset + page.limit);
}

// The JSON reply for one page of a list of `total` entries:
//   {"<member>":[…],"total":T,"offset":O,"limit":L,"next_offset":N|null}
// with "{…}" instead of "[…]" when `as_object` (the entries are members).
// `append_entry(i, out)` appends entry i (offset <= i < total, at most
// `limit` of them) to *out. `next_offset` is the offset of the next page,
// null when this page reaches the end of the list.
std::string PageJson(std::string_view member, bool as_object, const Page& page, uint64_t total,
                     const std::function<void(uint64_t index, std::string* out)>& append_entry);

}  // namespace pb::server
