#include "backup/progress_meter.h"

namespace pb::backup {
namespace {

constexpr auto kProgressEvery = std::chrono::milliseconds(200);

}  // namespace

void ProgressMeter::Tick(bool force) {
  if (!fn_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < kProgressEvery) return;
  last_ = now;
  fn_(counts_);
}

}  // namespace pb::backup
