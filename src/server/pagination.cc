#include "server/pagination.h"

#include <algorithm>

#include "server/validate.h"

namespace pb::server {

Result<Page> ParsePage(std::string_view query) {
  Page page;
  if (Status st = CheckQueryKeys(query, {"offset", "limit"}); !st.ok()) return st;
  auto offset = QueryUInt(query, "offset", 0, 0, kMaxPageOffset);
  if (!offset.ok()) return offset.status();
  auto limit = QueryUInt(query, "limit", kDefaultPageLimit, 1, kMaxPageLimit);
  if (!limit.ok()) return limit.status();
  page.offset = *offset;
  page.limit = *limit;
  return page;
}

std::string PageJson(std::string_view member, bool as_object, const Page& page, uint64_t total,
                     const std::function<void(uint64_t index, std::string* out)>& append_entry) {
  const uint64_t end = PageEnd(page, total);
  std::string out = "{\"";
  out.append(member);
  out += as_object ? "\":{" : "\":[";
  for (uint64_t i = page.offset; i < end; ++i) {
    if (i != page.offset) out.push_back(',');
    append_entry(i, &out);
  }
  out += as_object ? "}," : "],";
  out += "\"total\":" + std::to_string(total) + ",\"offset\":" + std::to_string(page.offset) +
         ",\"limit\":" + std::to_string(page.limit) +
         ",\"next_offset\":" + (end < total ? std::to_string(end) : std::string("null"));
  out.push_back('}');
  return out;
}

}  // namespace pb::server
