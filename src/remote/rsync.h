#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "remote/ssh_session.h"

namespace pb::remote {

// What crossed the wire, from rsync --stats.
struct TransferStats {
  uint64_t bytes_received = 0;  // by this side
  uint64_t bytes_sent = 0;
  uint64_t literal_bytes = 0;  // file data sent as is (not matched by the delta algorithm)
  uint64_t files_transferred = 0;
  TransferStats& operator+=(const TransferStats& other);
};

// Runs `rsync -a --inplace --numeric-ids --stats -z <args> SRC DST` over
// `session` (one of SRC/DST starts with session->RsyncHost()), with `input`
// on its stdin (for --files-from=-). IOError with rsync's message on failure;
// files that vanish on the sending side during the run are not a failure.
Result<TransferStats> RunRsync(SshSession* session, const std::vector<std::string>& args, const std::string& src,
                               const std::string& dst, std::string_view input = {});

// Parses the --stats block of rsync's output (numbers with or without commas).
TransferStats ParseRsyncStats(std::string_view output);

}  // namespace pb::remote
