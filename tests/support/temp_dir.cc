#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace pb::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/pb-test-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  if (made == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl + ": " + std::strerror(errno));
  path_ = made;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("PB_KEEP_TEST_DIRS");
  bool failed = ::testing::Test::HasFailure();
  if (failed || (keep != nullptr && *keep != '\0' && std::string(keep) != "0")) {
    std::fprintf(stderr, "[ support  ] kept test directory %s%s\n", path_.c_str(), failed ? " (the test failed)" : "");
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace pb::testing
