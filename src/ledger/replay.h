// ledger/: the service's start-up replay of the journal, with the reading,
// decoding and chain checking of records on a second thread while the
// caller's thread applies them (each half is about half of the work).
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "ledger/journal.h"

namespace pb::ledger {

// As ReadJournal(journal_dir, start, OnTornTail::kCut, ...), with `apply`
// called on the calling thread for every record after `start`, in order,
// while the records after it are read and checked on another thread (at
// most a few thousand ahead). The first error stops both: an error of
// `apply` is returned when it comes at an earlier record than the read's
// error, as a sequential read would. A torn tail is cut when the read
// reaches it (it was never acknowledged), even if `apply` then fails at an
// earlier record. `prefetch` is called for each record a few records before
// `apply` is (to start loading the memory `apply` will touch).
Result<ReadResult> ReplayJournal(const std::string& journal_dir, const ChainPoint& start,
                                 const std::function<Status(const Record&)>& apply,
                                 const std::function<void(const Record&)>& prefetch);

}  // namespace pb::ledger
