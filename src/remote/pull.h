#pragma once

#include <string>

#include "backup/selection.h"
#include "common/status.h"
#include "remote/rsync.h"
#include "remote/ssh_session.h"

namespace pb::remote {

// Pulls the target's data/ into `staging_dir` (created, mode 0700) in the
// consistent order of docs/remote-operations.md, "Backup from a host": the
// checkpoint group until it matches journal/CHECKPOINT, then the mirror logs,
// then the journal, then the rest. Only what `mode` selects crosses the wire;
// files deleted on the host are deleted from the staging copy.
// Errors: NotFound when the host has no data/; Unavailable when the
// checkpoint group kept changing; IOError from ssh/rsync.
Result<TransferStats> PullDataDir(SshSession* session, const std::string& staging_dir, backup::BackupMode mode);

}  // namespace pb::remote
