// The state a restore target is in after paymentsctl restore was killed (or
// not): the only acceptable ones are "absent", "the old content" and "complete".
#pragma once

#include <string>

namespace pb::torture {

enum class TargetState { kAbsent, kOld, kComplete, kHalfWritten };
const char* TargetStateName(TargetState state);

// Classifies `target`. `old_reference` is a directory equal to what the
// target held before the restore ("" when it did not exist);
// `new_reference` is a complete, uninterrupted restore of the snapshot being
// restored. kComplete also requires `paymentsctl verify` to pass on the
// target. On kHalfWritten, *why says what differs.
TargetState InspectRestoreTarget(const std::string& target, const std::string& old_reference,
                                 const std::string& new_reference, std::string* why);

}  // namespace pb::torture
