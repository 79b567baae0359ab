#include "common/version.h"

namespace pb {
namespace build_info {
// Defined in the generated build_info.cc (cmake/build_info.cmake).
extern const char kVersion[];
extern const char kGitCommit[];
}  // namespace build_info

std::string_view Version() { return build_info::kVersion; }

std::string_view GitCommit() { return build_info::kGitCommit; }

std::string VersionLine(std::string_view program) {
  return std::string(program) + " " + std::string(Version()) + " (commit " + std::string(GitCommit()) + ")";
}

}  // namespace pb
