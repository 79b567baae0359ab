// The drill report: whether it passed (ops/drill.h). paymentsctl renders it
// (cli/drill_command.cc).
#include "ops/drill.h"

namespace pb::ops {

bool DrillReport::ok() const {
  if (steps.empty() || !temp_removed) return false;
  for (const DrillStep& s : steps) {
    if (!s.ok) return false;
  }
  return steps.size() == 6;
}

}  // namespace pb::ops
