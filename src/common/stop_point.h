// common/: stop points — named steps of a command at which a test can freeze
// the process, to kill it there (kill -9 at an exact step) or to run another
// command while it holds what it holds at that step. Production never sets
// the variable; the test proves the order from waitpid(WUNTRACED), so no
// test has to guess with sleeps.
#pragma once

#include <string_view>

namespace pb {

// The environment variable naming the stop point a process stops at.
inline constexpr const char* kStopAtVariable = "PAYMENTS_TEST_STOP_AT";

// When PAYMENTS_TEST_STOP_AT equals `name`, stops this process (SIGSTOP)
// until it receives SIGCONT or is killed; otherwise does nothing. The names
// a command passes are listed where it calls StopPoint.
void StopPoint(std::string_view name);

}  // namespace pb
