// Memory for large tables filled once and kept for the process's life (the
// ledger's workload blocks and ids): mapped anonymously and, while a
// start-up loads millions of entries, advised as transparent huge pages, so
// that filling it takes one page fault per 2 MiB rather than one per 4 KiB.
// On a virtual machine a fault costs microseconds: 80 MiB filled page by
// page took 240-300 ms on our 2-core VMs, advised 40-100 ms (a replay of a
// million records ends at about 145 MiB of resident memory). Serving uses small pages: with the
// kernel's usual THP defrag setting a fault in an advised region may compact
// memory synchronously, a stall no request should wait for.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace pb {

// Unmaps what MapBytes mapped.
struct UnmapBytes {
  size_t bytes = 0;
  void operator()(char* p) const;
};
using MappedBytes = std::unique_ptr<char, UnmapBytes>;

enum class PageSize { kSmall, kHuge };

// `bytes` (> 0) of zeroed memory, page-aligned; throws std::bad_alloc when
// the mapping fails, as `new` does. kHuge advises huge pages from 2 MiB up:
// a hint, a kernel without transparent huge pages still maps the memory.
MappedBytes MapBytes(size_t bytes, PageSize pages);

// Blocks of mapped memory a container appends as it grows (StableVector,
// StringArena), each in the page size set when it was added.
class MappedBlocks {
 public:
  // A new block of `bytes` (> 0).
  char* Add(size_t bytes);
  size_t size() const { return blocks_.size(); }
  // Huge pages for the blocks added from now on (a start-up's bulk load), or
  // small ones, also for the untouched rest of the blocks there are (what
  // is already backed by huge pages stays so).
  void SetPageSize(PageSize pages);

 private:
  std::vector<MappedBytes> blocks_;
  PageSize pages_ = PageSize::kSmall;
};

}  // namespace pb
