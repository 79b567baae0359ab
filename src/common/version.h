// common/: which build this is — the version (the project VERSION of the top
// CMakeLists.txt, the one place it is set) and the git commit the binaries
// were built from: what --version prints and what a build-info metric can
// carry as labels.
#pragma once

#include <string>
#include <string_view>

namespace pb {

// "1.0.0".
std::string_view Version();

// The hexadecimal id of the commit the build was made from, or "unknown"
// when the sources were not a git checkout (a tarball; a container build
// without PB_GIT_COMMIT). Checked at every build, so it follows commits
// without re-running cmake (cmake/build_info.cmake).
std::string_view GitCommit();

// "<program> <Version()> (commit <GitCommit()>)": the --version line.
std::string VersionLine(std::string_view program);

}  // namespace pb
