// What the torture run counts, per kind of operation that was running when
// payments-backend was killed, and the closing table.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>

namespace pb::torture {

// The operation running beside the credit load at a kill.
enum class Operation { kLoadOnly, kCheckpoint, kBackup, kRestore, kForgetPrune };
inline constexpr int kOperationCount = 5;
const char* OperationName(Operation op);

struct KindTally {
  int kills = 0;                    // backend kills followed by a restart and every check
  int ctl_kills = 0;                // paymentsctl killed as well
  int checkpoints_interrupted = 0;  // checkpoint files of an unfinished checkpoint present after the kill
  uint64_t acknowledged = 0;        // credits answered 2xx in these cycles
  uint64_t lost = 0;                // acknowledged credits missing from the journal after the restart
  uint64_t phantoms = 0;            // journal credits that were never sent
  int unexpected_answers = 0;       // complete non-2xx answers to credits
  int verify_failures = 0;          // paymentsctl verify of the data directory after the kill
  int check_failures = 0;           // paymentsctl check --read-data of the repository
  int ctl_failures = 0;             // a paymentsctl that was not killed and did not exit 0
  int half_written_targets = 0;     // restore target neither absent, nor old, nor complete
  int restart_failures = 0;

  // Sum of every kind of failure above (0 for a clean run).
  uint64_t Problems() const;
  void Add(const KindTally& other);
};

using Tally = std::array<KindTally, kOperationCount>;

// One line per kind and a total line, to `out`.
void PrintTally(const Tally& tally, std::FILE* out);

}  // namespace pb::torture
