// ledger/: the payments state and its journal — record encoding, the journal
// writer and reader, replay, checkpoints, adoption of Python-era data and the
// offline verifier. The format is specified in docs/journal-format.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/money.h"
#include "common/sha256.h"
#include "common/status.h"

namespace pb::ledger {

enum class RecordType { kRegister, kWorkload, kAdjustment, kImportOrchestrator, kImportBalance, kImportWorkload };

const char* RecordTypeName(RecordType type);

// One journal record, decoded. Which fields are meaningful depends on `type`
// (see the table in docs/journal-format.md); the others stay empty.
struct Record {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  RecordType type = RecordType::kRegister;
  std::string orchestrator_id;
  std::string workload_id;
  std::string address;                   // register
  Wei amount = 0;                        // workload
  std::optional<uint64_t> duration_ms;   // workload
  Wei delta = 0;                         // adjustment
  std::string reason;                    // adjustment
  std::string tx_hash;                   // adjustment, optional
  Wei balance = 0;                       // workload, adjustment, import_balance
  std::string raw_record;                // import_orchestrator, import_workload: a JSON object
};

// Serializes the body (one line of JSON, no newline) in the documented key order.
std::string EncodeBody(const Record& r);
// Parses a body; InvalidArgument describing the first problem on failure.
Result<Record> DecodeBody(std::string_view body);
// The same into *out, reusing its strings' buffers (the replay's hot path);
// *out is unspecified after an error.
Status DecodeBodyInto(std::string_view body, Record* out);

// SHA-256(prev || body): the chain hash of a record.
Digest ChainHash(const Digest& prev, std::string_view body);

// A position in the chain: after record `seq` whose hash is `hash` (seq 0
// with an all-zero hash is the start of the journal).
struct ChainPoint {
  uint64_t seq = 0;
  Digest hash{};
};

// "<hash hex> <body>\n", the full journal line.
std::string EncodeLine(const Digest& hash, std::string_view body);

}  // namespace pb::ledger
