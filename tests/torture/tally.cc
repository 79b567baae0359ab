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
  uint64_t sum = 0;
  for (int c = kLost; c < kCounterCount; ++c) sum += n[c];
  return sum;
}

void KindTally::Add(const KindTally& other) {
  for (int c = 0; c < kCounterCount; ++c) n[c] += other.n[c];
}

namespace {

constexpr const char* kHeadings[kCounterCount] = {"kills",   "ctl-kills",  "ckpt-cut", "acked",
                                                  "lost",    "phantom",    "unexpected", "verify",
                                                  "check",   "ctl-err",    "half-target", "restart"};

void PrintRow(const char* name, const KindTally& t, std::FILE* out) {
  std::fprintf(out, "%-15s", name);
  for (int c = 0; c < kCounterCount; ++c) std::fprintf(out, " %11" PRIu64, t.n[c]);
  std::fprintf(out, "\n");
}

}  // namespace

void PrintTally(const Tally& tally, std::FILE* out) {
  std::fprintf(out, "%-15s", "during");
  for (const char* heading : kHeadings) std::fprintf(out, " %11s", heading);
  std::fprintf(out, "\n");
  KindTally total;
  for (int k = 0; k < kOperationCount; ++k) {
    PrintRow(OperationName(static_cast<Operation>(k)), tally[k], out);
    total.Add(tally[k]);
  }
  PrintRow("total", total, out);
}

}  // namespace pb::torture
