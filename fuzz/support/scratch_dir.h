// A scratch directory of one fuzzer process, removed at exit. In memory
// (/dev/shm) where there is one: writing and syncing files on a disk file
// system is ~100 times slower.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace pb::fuzz {

struct ScratchDir {
  // `name`: what the directory holds, part of its name with the pid.
  explicit ScratchDir(const std::string& name) : path((Base() / (name + "-" + std::to_string(::getpid()))).string()) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  const std::string path;

 private:
  static std::filesystem::path Base() {
    std::error_code ec;
    return std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                          : std::filesystem::temp_directory_path();
  }
};

}  // namespace pb::fuzz
