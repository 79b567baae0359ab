// Operator-facing logging (spdlog to stderr). Never log secrets or bodies.
#pragma once

#include <spdlog/spdlog.h>

namespace pb {

// Configures the default logger: "2026-11-24T13:36:05.123Z level message".
void InitLogging();

}  // namespace pb
