#include "restore_target.h"

#include "common/file_util.h"
#include "support/data_files.h"
#include "support/test_support.h"

namespace pb::torture {

const char* TargetStateName(TargetState state) {
  switch (state) {
    case TargetState::kAbsent: return "absent";
    case TargetState::kOld: return "old";
    case TargetState::kComplete: return "complete";
    case TargetState::kHalfWritten: return "half-written";
  }
  return "?";
}

TargetState InspectRestoreTarget(const std::string& target, const std::string& old_reference,
                                 const std::string& new_reference, std::string* why) {
  if (!FileExists(target)) return TargetState::kAbsent;
  if (!old_reference.empty() && integration::CompareTrees(old_reference, target).empty()) return TargetState::kOld;
  std::string differs = integration::CompareTrees(new_reference, target);
  if (!differs.empty()) {
    *why = "differs from the old content and from the snapshot: " + differs.substr(0, 800);
    return TargetState::kHalfWritten;
  }
  integration::RunOutput verify = integration::RunVerify(target);
  if (verify.exit_code != 0) {
    *why = "verify exit " + std::to_string(verify.exit_code) + ": " + verify.output.substr(0, 800);
    return TargetState::kHalfWritten;
  }
  return TargetState::kComplete;
}

}  // namespace pb::torture
