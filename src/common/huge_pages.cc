#include "common/huge_pages.h"

#include <sys/mman.h>

#include <new>

namespace pb {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void UnmapBytes::operator()(char* p) const {
  if (p != nullptr) ::munmap(p, bytes);
}

MappedBytes MapBytes(size_t bytes, PageSize pages) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  if (pages == PageSize::kHuge && bytes >= kHugePage) (void)::madvise(p, bytes, MADV_HUGEPAGE);  // a hint
  return MappedBytes(static_cast<char*>(p), UnmapBytes{bytes});
}

char* MappedBlocks::Add(size_t bytes) {
  blocks_.push_back(MapBytes(bytes, pages_));
  return blocks_.back().get();
}

void MappedBlocks::SetPageSize(PageSize pages) {
  pages_ = pages;
  if (pages != PageSize::kSmall) return;
  for (const MappedBytes& m : blocks_) {
    const size_t bytes = m.get_deleter().bytes;
    if (bytes >= kHugePage) (void)::madvise(m.get(), bytes, MADV_NOHUGEPAGE);
  }
}

}  // namespace pb
