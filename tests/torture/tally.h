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

// Every counter from kLost on is a failure.
enum Counter {
  kKills,                   // backend kills followed by every check
  kCtlKills,                // paymentsctl killed as well
  kCheckpointsInterrupted,  // files of an unfinished checkpoint present after the kill
  kAcknowledged,            // credits answered 2xx
  kLost,                    // acknowledged credits missing from the journal after the restart
  kPhantoms,                // journal credits that were never sent
  kUnexpectedAnswers,       // complete non-2xx answers to credits, clients that could not connect
  kVerifyFailures,          // paymentsctl verify of the data directory after the kill (or an unreadable journal)
  kCheckFailures,           // paymentsctl check --read-data of the repository
  kCtlFailures,             // a paymentsctl that was not killed and did not exit 0
  kHalfWrittenTargets,      // restore target neither absent, nor the old content, nor complete
  kRestartFailures,         // the backend exited before its kill, or did not start again
  kCounterCount
};

struct KindTally {
  std::array<uint64_t, kCounterCount> n{};

  uint64_t& operator[](Counter c) { return n[c]; }
  uint64_t operator[](Counter c) const { return n[c]; }
  // Sum of the failure counters (0 for a clean run).
  uint64_t Problems() const;
  void Add(const KindTally& other);
};

using Tally = std::array<KindTally, kOperationCount>;

// One line per kind and a total line, to `out`.
void PrintTally(const Tally& tally, std::FILE* out);

}  // namespace pb::torture
