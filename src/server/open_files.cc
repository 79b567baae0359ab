#include "server/open_files.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace pb::server {
namespace {

// fs.nr_open: the most a process's RLIMIT_NOFILE may be (0 when unknown).
uint64_t KernelMaxOpenFiles() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t n = 0;
  return (in >> n) ? n : 0;
}

}  // namespace

OpenFileLimit RaiseOpenFileLimit() {
  OpenFileLimit out;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    out.warning = std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
    return out;
  }
  uint64_t target = lim.rlim_max;
  if (lim.rlim_max == RLIM_INFINITY) {
    uint64_t kernel = KernelMaxOpenFiles();
    target = kernel > 0 ? kernel : lim.rlim_cur;
  }
  out.soft = lim.rlim_cur;
  out.hard = lim.rlim_max;
  if (lim.rlim_cur != RLIM_INFINITY && target > lim.rlim_cur) {
    rlimit raised = lim;
    raised.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      out.soft = target;
      out.raised = true;
    } else {
      out.warning = "cannot raise the soft RLIMIT_NOFILE from " + std::to_string(lim.rlim_cur) + " to " +
                    std::to_string(target) + ": " + std::strerror(errno);
    }
  }
  return out;
}

Result<size_t> ConnectionCap(uint64_t open_file_limit, size_t reserve, size_t requested) {
  if (open_file_limit <= reserve) {
    return Status::InvalidArgument("the open-file limit (ulimit -n) is " + std::to_string(open_file_limit) +
                                   ", which leaves no descriptor for connections after the reserve of " +
                                   std::to_string(reserve) + " (--fd-reserve): raise ulimit -n");
  }
  uint64_t available = open_file_limit - reserve;
  if (requested == 0) return static_cast<size_t>(available);
  if (requested > available) {
    return Status::InvalidArgument("--max-connections " + std::to_string(requested) + " does not fit: the open-file "
                                   "limit (ulimit -n) is " + std::to_string(open_file_limit) + " and " +
                                   std::to_string(reserve) + " descriptors are kept for the journal and its files "
                                   "(--fd-reserve); use at most " + std::to_string(available) +
                                   ", or raise ulimit -n");
  }
  return requested;
}

}  // namespace pb::server
