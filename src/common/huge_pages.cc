#include "common/huge_pages.h"

#include <sys/mman.h>

#include <new>

namespace pb {

void UnmapBytes::operator()(char* p) const {
  if (p != nullptr) ::munmap(p, bytes);
}

MappedBytes MapBytes(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes >= kHugePage) (void)::madvise(p, bytes, MADV_HUGEPAGE);  // a hint; EINVAL without THP
  return MappedBytes(static_cast<char*>(p), UnmapBytes{bytes});
}

}  // namespace pb
