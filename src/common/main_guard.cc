#include "common/main_guard.h"

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <string>

#include "common/log.h"

namespace pb {
namespace {

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

int RunMain(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::filesystem::filesystem_error& e) {
    spdlog::critical("{}: cannot use {}: {} (running as uid {} gid {}): make it accessible to this user, or run as "
                     "its owner",
                     program, e.path1().empty() ? "a file" : OneLine(e.path1().string()), OneLine(e.code().message()),
                     ::geteuid(), ::getegid());
  } catch (const std::exception& e) {
    spdlog::critical("{}: stopped by an unexpected error: {} (a bug: please report this line)", program,
                     OneLine(e.what()));
  } catch (...) {
    spdlog::critical("{}: stopped by an unexpected error of unknown type (a bug: please report this line)", program);
  }
  return 1;
}

}  // namespace pb
