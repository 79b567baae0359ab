// A read-only memory map of a whole file, for scans that must not copy large
// files (the journal) into memory.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pb {

class MappedFile {
 public:
  // Maps `path` read-only. An empty file maps to an empty view.
  // Errors: NotFound, IOError naming the path.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // The file's bytes; valid while this object lives. Nothing past size() may
  // be read.
  std::string_view view() const { return {data_, size_}; }

 private:
  MappedFile(const char* data, size_t size) : data_(data), size_(size) {}
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace pb
