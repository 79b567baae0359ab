#include "restore/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/file_util.h"

namespace pb::restore {
namespace {

constexpr size_t kBlock = 4096;

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  return type == FTW_DP ? ::rmdir(path) : ::unlink(path);
}

}  // namespace

Status WriteSparse(int fd, uint64_t offset, std::string_view data, const std::string& path) {
  size_t pos = 0;
  size_t run_start = 0;
  bool in_run = false;
  while (pos < data.size()) {
    // Blocks follow file offsets: the first one may be partial.
    size_t n = std::min(data.size() - pos, kBlock - static_cast<size_t>((offset + pos) % kBlock));
    bool zero = n == kBlock && IsAllZero(data.substr(pos, n));
    if (!zero && !in_run) {
      run_start = pos;
      in_run = true;
    } else if (zero && in_run) {
      PB_RETURN_IF_ERROR(PwriteAll(fd, offset + run_start, data.substr(run_start, pos - run_start), path));
      in_run = false;
    }
    pos += n;
  }
  if (in_run) PB_RETURN_IF_ERROR(PwriteAll(fd, offset + run_start, data.substr(run_start, pos - run_start), path));
  return Status::Ok();
}

void StartWriteback(int fd, uint64_t offset, uint64_t length) {
  ::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(length), SYNC_FILE_RANGE_WRITE);
}

Status RemoveTree(const std::string& path) {
  if (::nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
    return Status::FromErrno("remove " + path, errno);
  }
  return Status::Ok();
}

struct timespec Timespec(int64_t ns) {
  struct timespec ts;
  ts.tv_sec = ns / 1000000000;
  ts.tv_nsec = ns % 1000000000;
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1000000000;
    ts.tv_sec -= 1;
  }
  return ts;
}

std::string CompactUtcNow() {
  std::time_t now = std::time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace pb::restore
