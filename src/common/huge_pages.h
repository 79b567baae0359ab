// Memory for large tables filled once and kept for the process's life (the
// ledger's workload blocks and ids): mapped anonymously and, while a
// start-up loads millions of entries, advised as transparent huge pages, so
// that filling it takes one page fault per 2 MiB rather than one per 4 KiB.
// On a virtual machine a fault costs microseconds: 80 MiB filled page by
// page took 240-300 ms on our 2-core VMs, advised 40-100 ms (a replay of a
// million records fills about 100 MiB). Serving uses small pages: with the
// kernel's usual THP defrag setting a fault in an advised region may compact
// memory synchronously, a stall no request should wait for.
#pragma once

#include <cstddef>
#include <memory>

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

// Advises small pages for the parts of `m` not touched yet (those already
// backed by huge pages stay so).
void UseSmallPages(const MappedBytes& m);

}  // namespace pb
