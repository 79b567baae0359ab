#include "tally.h"

#include <cinttypes>

namespace pb::torture {

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kLoadOnly: return "load only";
    case Operation::kCheckpoint: return "checkpoint";
    case Operation::kBackup: return "backup";
    case Operation::kRestore: return "restore";
    case Operation::kForgetPrune: return "forget --prune";
  }
  return "?";
}

uint64_t KindTally::Problems() const {
  return lost + phantoms + static_cast<uint64_t>(unexpected_answers + verify_failures + check_failures +
                                                 ctl_failures + half_written_targets + restart_failures);
}

void KindTally::Add(const KindTally& o) {
  kills += o.kills;
  ctl_kills += o.ctl_kills;
  checkpoints_interrupted += o.checkpoints_interrupted;
  acknowledged += o.acknowledged;
  lost += o.lost;
  phantoms += o.phantoms;
  unexpected_answers += o.unexpected_answers;
  verify_failures += o.verify_failures;
  check_failures += o.check_failures;
  ctl_failures += o.ctl_failures;
  half_written_targets += o.half_written_targets;
  restart_failures += o.restart_failures;
}

namespace {
void PrintRow(const char* name, const KindTally& t, std::FILE* out) {
  std::fprintf(out,
               "%-15s %6d %9d %9d %10" PRIu64 " %6" PRIu64 " %8" PRIu64 " %10d %6d %6d %7d %11d %8d\n", name,
               t.kills, t.ctl_kills, t.checkpoints_interrupted, t.acknowledged, t.lost, t.phantoms,
               t.unexpected_answers, t.verify_failures, t.check_failures, t.ctl_failures, t.half_written_targets,
               t.restart_failures);
}
}  // namespace

void PrintTally(const Tally& tally, std::FILE* out) {
  std::fprintf(out, "%-15s %6s %9s %9s %10s %6s %8s %10s %6s %6s %7s %11s %8s\n", "during", "kills", "ctl-kills",
               "ckpt-cut", "acked", "lost", "phantom", "unexpected", "verify", "check", "ctl-err", "half-target",
               "restart");
  KindTally total;
  for (int k = 0; k < kOperationCount; ++k) {
    PrintRow(OperationName(static_cast<Operation>(k)), tally[k], out);
    total.Add(tally[k]);
  }
  PrintRow("total", total, out);
}

}  // namespace pb::torture
