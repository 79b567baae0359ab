#include "metrics/textfile.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/file_util.h"

namespace pb::metrics {

Status CheckTextfilePath(const std::string& path) {
  constexpr std::string_view kSuffix = ".prom";
  const std::string name = std::filesystem::path(path).filename().string();
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return Status::InvalidArgument(path + ": a metrics file's name must end in .prom (node_exporter's textfile "
                                          "collector reads no other file), e.g. /var/lib/prometheus/node-exporter/"
                                          "payments-backup.prom");
  }
  const std::string dir = DirName(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument(path + ": the directory " + dir +
                                   " does not exist (create it, or point to node_exporter's "
                                   "--collector.textfile.directory)");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return Status::InvalidArgument("the directory " + dir + " of the metrics file " + path +
                                   " is not writable: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status WriteTextfile(const std::string& path, const Registry& registry) {
  return WriteFileAtomic(path, registry.Render());
}

}  // namespace pb::metrics
