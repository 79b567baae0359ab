// Shared by every test suite: a temporary directory per test.
#pragma once

#include <string>
#include <string_view>

namespace pb::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content on
// destruction, unless the current test failed or PB_KEEP_TEST_DIRS is set:
// then it is kept and its path printed. Not copyable.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace pb::testing
