#include "common/stop_point.h"

#include <signal.h>

#include <cstdlib>

namespace pb {

void StopPoint(std::string_view name) {
  const char* wanted = std::getenv(kStopAtVariable);
  if (wanted != nullptr && name == wanted) ::raise(SIGSTOP);
}

}  // namespace pb
