// restore/: whether a restore applies the journal records shipped after its
// snapshot (RestoreOptions::apply_wal) when the operator did not say — the
// one owner of that default, for restore to a directory, restore to a host
// and drill, and of what their --help states.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pb::restore {

// `asked`: --wal (true), --no-wal (false) or neither. By default a restore
// of `latest` (the newest state of a data directory: its newest snapshot
// plus what was shipped after it) or to a time (--at, which may need the
// shipped records to reach it) applies them; a snapshot named by id is
// that snapshot alone.
inline bool AppliesShippedJournal(std::optional<bool> asked, const std::string& snapshot_query,
                                  const std::optional<int64_t>& at_ms) {
  return asked.value_or(snapshot_query == "latest" || at_ms.has_value());
}

}  // namespace pb::restore
