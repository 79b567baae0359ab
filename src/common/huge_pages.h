// Memory for large tables filled once and kept for the process's life (the
// ledger's workload blocks): mapped anonymously and, from 2 MiB up, advised
// as transparent huge pages, so that filling it takes one page fault per
// 2 MiB rather than one per 4 KiB. On a virtual machine a fault costs
// microseconds: 80 MiB filled page by page took 240-300 ms on our 2-core VMs,
// advised 40-100 ms (a replay of a million records fills about 80 MiB).
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

// `bytes` (> 0) of zeroed memory, page-aligned; throws std::bad_alloc when
// the mapping fails, as `new` does. Huge-page advice is a hint: a kernel
// without transparent huge pages still maps the memory.
MappedBytes MapBytes(size_t bytes);

}  // namespace pb
