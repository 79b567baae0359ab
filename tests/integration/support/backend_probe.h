// What a running (or stopped) payments-backend says about itself, for the
// transport tests: the counters it logs when it stops, and its memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace pb::integration {

// The counters of the last "connections: name=value ..." line that
// payments-backend logs when it stops (server::FormatServerStats), from its
// log text; empty when there is none.
std::map<std::string, uint64_t> LoggedServerStats(std::string_view log_text);

// A "kB" field of /proc/PID/status (VmRSS, VmHWM); 0 when unreadable.
uint64_t ProcStatusKiB(pid_t pid, std::string_view field);

}  // namespace pb::integration
