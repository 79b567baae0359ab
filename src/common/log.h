// Operator-facing logging (spdlog to stderr). Never log secrets or bodies.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace pb {

// Configures the default logger: "2026-11-24T13:36:05.123Z level message".
void InitLogging();

// A status line: one line of stderr redrawn in place, such as a progress
// line (cli::ProgressLine), for terminals only (the caller checks). A log
// line written through the logger InitLogging configures while a status line
// is shown clears it first, so the two never share a line; the status line
// comes back with the next DrawStatusLine. Thread-safe.
// Replaces the status line shown, if any, with `text` (without a newline).
void DrawStatusLine(std::string_view text);
// Clears the status line, when one is shown.
void ClearStatusLine();

}  // namespace pb
