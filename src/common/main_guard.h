// The last resort of a program's main(): an exception that escaped every
// error path becomes one line on stderr and exit status 1, never
// std::terminate ("terminate called ...", abort, exit status 134).
#pragma once

#include <functional>

namespace pb {

// Runs `body` (the program after InitLogging) and returns its exit status.
// An exception that leaves it is logged as one critical line starting with
// `program` (a filesystem error with its path, its reason and this process's
// uid:gid) and gives 1.
int RunMain(const char* program, const std::function<int()>& body);

}  // namespace pb
