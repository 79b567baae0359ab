#include "backup/file_reader.h"

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace pb::backup {

Result<std::vector<Extent>> DataExtents(int fd, uint64_t begin, uint64_t end, uint64_t allocated_bytes,
                                        const std::string& path) {
  std::vector<Extent> out;
  if (begin >= end) return out;
  if (allocated_bytes >= end) {
    out.push_back({begin, end});
    return out;
  }
  uint64_t pos = begin;
  while (pos < end) {
    off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole from pos to the end of the file
      if (errno == EINVAL) {      // the file system cannot tell: all data
        out.push_back({pos, end});
        break;
      }
      return Status::FromErrno("find data in " + path, errno);
    }
    if (static_cast<uint64_t>(data) >= end) break;
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return Status::FromErrno("find holes in " + path, errno);
    uint64_t stop = std::min<uint64_t>(static_cast<uint64_t>(hole), end);
    out.push_back({static_cast<uint64_t>(data), stop});
    pos = stop;
  }
  return out;
}

Result<uint64_t> LastLineEnd(int fd, uint64_t size, const std::string& path) {
  constexpr size_t kBlock = 64 << 10;
  std::string buf(kBlock, '\0');
  uint64_t end = size;
  while (end > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, end));
    PB_RETURN_IF_ERROR(ReadExact(fd, end - n, buf.data(), n, path));
    size_t nl = std::string_view(buf.data(), n).rfind('\n');
    if (nl != std::string_view::npos) return end - n + nl + 1;
    end -= n;
  }
  return uint64_t{0};
}

Status ReadExact(int fd, uint64_t offset, char* buf, size_t length, const std::string& path) {
  while (length > 0) {
    ssize_t n = ::pread(fd, buf, length, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path, errno);
    }
    if (n == 0) {
      return Status::IOError(path + " became shorter while it was being backed up (offset " + std::to_string(offset) +
                             "); it was truncated or replaced: run the backup again");
    }
    buf += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace pb::backup
