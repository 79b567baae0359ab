// The torture loop (issue 7): under concurrent credit load, payments-backend
// is killed with SIGKILL at random points, in turn while nothing else, a
// background checkpoint, `paymentsctl backup`, `paymentsctl restore` or
// `paymentsctl forget --prune` runs (that paymentsctl is killed too, at a
// random point, in about half of those cycles). After every kill: `paymentsctl
// verify` of the data directory, the restore target absent / old / complete,
// `check --read-data` of the repository after cycles that changed it, a
// restart, and every acknowledged credit looked up in the journal.
#pragma once

#include <cstdint>

namespace pb::torture {

struct TortureOptions {
  int iterations = 100;      // backend kills to make
  int seconds = 110;         // no new cycle starts after this many seconds
  uint64_t seed = 20261124;  // every random choice derives from it
  int min_kills = 0;         // fewer kills than this (time ran out first) fails the run
  int check_every = 1;       // check --read-data after every Nth cycle that changed the repository
};

// Runs the loop on 127.0.0.1 free ports in a temporary directory (kept and
// named on failure) with the real payments-backend and paymentsctl. Prints
// one line per kill and the per-operation table to stdout. Returns true when
// nothing was lost or failed and at least options.min_kills kills were made.
// Bounded: options.iterations cycles, options.seconds plus one cycle.
bool RunTorture(const TortureOptions& options);

}  // namespace pb::torture
