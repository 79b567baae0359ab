#include "backup/file_reader.h"

#include <unistd.h>

#include <cerrno>

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

}  // namespace pb::backup
