#include "support/terminal_screen.h"

#include <algorithm>

namespace pb::testing {

std::vector<std::string> ScreenLines(std::string_view bytes) {
  constexpr std::string_view kEraseToEnd = "\033[K";
  std::vector<std::string> lines(1);
  size_t col = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string& line = lines.back();
    if (bytes.substr(i, kEraseToEnd.size()) == kEraseToEnd) {
      line.resize(std::min(line.size(), col));
      i += kEraseToEnd.size() - 1;
    } else if (bytes[i] == '\r') {
      col = 0;
    } else if (bytes[i] == '\n') {
      lines.emplace_back();
      col = 0;
    } else {
      if (col >= line.size()) line.resize(col + 1, ' ');
      line[col++] = bytes[i];
    }
  }
  return lines;
}

}  // namespace pb::testing
