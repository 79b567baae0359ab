#include "replicate/shipped_records.h"

#include <string>
#include <string_view>

#include "ledger/journal.h"

namespace pb::replicate {

Status CheckShippedRecords(repo::WalObject* obj) {
  ledger::ChainPoint point{obj->first_seq - 1, obj->prev_hash};
  std::string_view rest = obj->records;
  uint64_t offset = obj->offset;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::Corruption("the last record has no newline (a torn record was shipped)");
    }
    ledger::Record record;
    Status st = ledger::CheckChainedLine(rest.substr(0, nl), &point, &record);
    if (!st.ok()) {
      return Status::Corruption("record seq " + std::to_string(point.seq + 1) + " (segment " + obj->segment +
                                " byte offset " + std::to_string(offset) + "): " + st.message());
    }
    if (record.seq == obj->first_seq && record.ts_ms != obj->first_ts_ms) {
      return Status::Corruption("first_ts_ms is not the first record's ts");
    }
    if (record.seq == obj->last_seq && record.ts_ms != obj->last_ts_ms) {
      return Status::Corruption("last_ts_ms is not the last record's ts");
    }
    offset += nl + 1;
    rest.remove_prefix(nl + 1);
  }
  if (point.seq != obj->last_seq) {
    return Status::Corruption("holds records through seq " + std::to_string(point.seq) + " but claims last_seq " +
                              std::to_string(obj->last_seq));
  }
  obj->last_hash = point.hash;
  return Status::Ok();
}

}  // namespace pb::replicate
