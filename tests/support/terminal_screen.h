// Shared by every test suite: what a terminal shows for the bytes a program
// wrote to it, for tests of output meant for a person at a terminal
// (progress lines redrawn in place).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pb::testing {

// The lines a terminal shows after `bytes`: "\r" returns to the start of the
// line, "\n" starts the next line, "\033[K" erases from the cursor to the end
// of the line, any other byte is written at the cursor (overwriting) and
// moves it on. Lines are not wrapped; other escape sequences are not
// expected. The last line is kept even when empty.
std::vector<std::string> ScreenLines(std::string_view bytes);

}  // namespace pb::testing
