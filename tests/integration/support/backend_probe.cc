#include "support/backend_probe.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pb::integration {

std::map<std::string, uint64_t> LoggedServerStats(std::string_view log_text) {
  std::map<std::string, uint64_t> out;
  size_t at = log_text.rfind("connections: ");
  if (at == std::string_view::npos) return out;
  std::string_view line = log_text.substr(at + 13);
  line = line.substr(0, line.find('\n'));
  std::istringstream words{std::string(line)};
  std::string word;
  while (words >> word) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) continue;
    out[word.substr(0, eq)] = std::strtoull(word.c_str() + eq + 1, nullptr, 10);
  }
  return out;
}

uint64_t ProcStatusKiB(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
  }
  return 0;
}

}  // namespace pb::integration
