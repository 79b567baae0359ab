// ledger/: the service's start-up replay of the journal, with the reading
// and decoding of records on a second thread while the caller's thread
// checks their chain and applies them (each half is about half of the work).
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "ledger/journal.h"

namespace pb::ledger {

// As ReadJournal(journal_dir, start, OnTornTail::kCut, ...), with `apply`
// called on the calling thread for every record after `start`, in order,
// while the records after it are read, decoded and checked on another
// thread (at most a few thousand ahead); each record's hash is checked
// against the chain on the calling thread, just before `apply` (the two
// threads' shares of the work about even). The first error stops both and
// is the one a sequential read and apply would meet first (a broken chain
// is named by reading again). A torn tail is cut once every record before
// it was applied (it was never acknowledged). `prefetch` is called for each
// record a few records before `apply` is (to start loading the memory
// `apply` will touch).
Result<ReadResult> ReplayJournal(const std::string& journal_dir, const ChainPoint& start,
                                 const std::function<Status(const Record&)>& apply,
                                 const std::function<void(const Record&)>& prefetch);

}  // namespace pb::ledger
