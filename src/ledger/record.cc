#include "ledger/record.h"

#include <simdjson.h>

#include "common/json_text.h"
#include "common/time_util.h"

namespace pb::ledger {

const char* RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kRegister: return "register";
    case RecordType::kWorkload: return "workload";
    case RecordType::kAdjustment: return "adjustment";
    case RecordType::kImportOrchestrator: return "import_orchestrator";
    case RecordType::kImportBalance: return "import_balance";
    case RecordType::kImportWorkload: return "import_workload";
  }
  return "?";
}

namespace {

Result<RecordType> TypeFromName(std::string_view name) {
  for (auto t : {RecordType::kRegister, RecordType::kWorkload, RecordType::kAdjustment,
                 RecordType::kImportOrchestrator, RecordType::kImportBalance, RecordType::kImportWorkload}) {
    if (name == RecordTypeName(t)) return t;
  }
  return Status::InvalidArgument("unknown record type");
}

Status Bad(std::string what) { return Status::InvalidArgument("journal record: " + std::move(what)); }

// A body as DecodeBody reads it: the record, and which keys it had.
struct Decoded {
  Record r;
  bool have_seq = false, have_ts = false, have_type = false;
  bool have_amount = false, have_balance = false, have_delta = false;
};

bool ReadString(simdjson::dom::element value, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return false;
  out->assign(s);
  return true;
}

// A string that `parse` (string_view -> Result<T>) accepts, into *out.
template <typename T, typename Parse>
bool ReadParsed(simdjson::dom::element value, Parse parse, T* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return false;
  auto parsed = parse(s);
  if (!parsed.ok()) return false;
  *out = *parsed;
  return true;
}

// A decimal string of wei; *seen set when it is one.
bool ReadWei(simdjson::dom::element value, Wei* out, bool* seen) {
  if (!ReadParsed(value, ParseWei, out)) return false;
  *seen = true;
  return true;
}

enum class FieldRead { kOk, kMalformed, kUnknownKey };
FieldRead ReadOf(bool ok) { return ok ? FieldRead::kOk : FieldRead::kMalformed; }

// The keys that only some record types have.
FieldRead ReadOptionalField(std::string_view key, simdjson::dom::element value, Decoded* d) {
  Record& r = d->r;
  if (key == "orchestrator_id") return ReadOf(ReadString(value, &r.orchestrator_id));
  if (key == "workload_id") return ReadOf(ReadString(value, &r.workload_id));
  if (key == "address") return ReadOf(ReadString(value, &r.address));
  if (key == "reason") return ReadOf(ReadString(value, &r.reason));
  if (key == "tx_hash") return ReadOf(ReadString(value, &r.tx_hash));
  if (key == "amount") return ReadOf(ReadWei(value, &r.amount, &d->have_amount));
  if (key == "delta") return ReadOf(ReadWei(value, &r.delta, &d->have_delta));
  if (key == "balance") return ReadOf(ReadWei(value, &r.balance, &d->have_balance));
  if (key == "duration_ms") {
    uint64_t ms;
    if (value.get_uint64().get(ms) != simdjson::SUCCESS) return FieldRead::kMalformed;
    r.duration_ms = ms;
    return FieldRead::kOk;
  }
  if (key != "record") return FieldRead::kUnknownKey;
  if (!value.is_object()) return FieldRead::kMalformed;
  r.raw_record = simdjson::minify(value);
  return FieldRead::kOk;
}

// Reads one key of a body into *d: InvalidArgument for an unknown key or a
// malformed value.
Status ReadField(std::string_view key, simdjson::dom::element value, Decoded* d) {
  FieldRead read;
  if (key == "seq") {
    read = ReadOf(d->have_seq = value.get_uint64().get(d->r.seq) == simdjson::SUCCESS);
  } else if (key == "ts") {
    read = ReadOf(d->have_ts = ReadParsed(value, ParseIso8601, &d->r.ts_ms));
  } else if (key == "type") {
    read = ReadOf(d->have_type = ReadParsed(value, TypeFromName, &d->r.type));
  } else {
    read = ReadOptionalField(key, value, d);
  }
  switch (read) {
    case FieldRead::kOk: return Status::Ok();
    case FieldRead::kMalformed: return Bad("key '" + std::string(key) + "' has a malformed value");
    case FieldRead::kUnknownKey: return Bad("unknown key '" + std::string(key) + "'");
  }
  return Status::Ok();
}

// Whether *d has every key its record type requires.
bool IsComplete(const Decoded& d) {
  const Record& r = d.r;
  switch (r.type) {
    case RecordType::kRegister: return !r.orchestrator_id.empty();
    case RecordType::kWorkload:
      return !r.workload_id.empty() && !r.orchestrator_id.empty() && d.have_amount && d.have_balance;
    case RecordType::kAdjustment: return !r.orchestrator_id.empty() && d.have_delta && d.have_balance;
    case RecordType::kImportOrchestrator: return !r.orchestrator_id.empty() && !r.raw_record.empty();
    case RecordType::kImportBalance: return !r.orchestrator_id.empty() && d.have_balance;
    case RecordType::kImportWorkload: return !r.workload_id.empty() && !r.raw_record.empty();
  }
  return true;
}

}  // namespace

std::string EncodeBody(const Record& r) {
  std::string out;
  out.reserve(256);
  JsonObject o(&out);
  o.UInt("seq", r.seq).Str("ts", FormatIso8601(r.ts_ms)).Str("type", RecordTypeName(r.type));
  switch (r.type) {
    case RecordType::kRegister:
      o.Str("orchestrator_id", r.orchestrator_id).Str("address", r.address);
      break;
    case RecordType::kWorkload:
      o.Str("workload_id", r.workload_id).Str("orchestrator_id", r.orchestrator_id).Str("amount", FormatWei(r.amount));
      if (r.duration_ms) o.UInt("duration_ms", *r.duration_ms);
      o.Str("balance", FormatWei(r.balance));
      break;
    case RecordType::kAdjustment:
      o.Str("orchestrator_id", r.orchestrator_id).Str("delta", FormatWei(r.delta)).Str("reason", r.reason);
      if (!r.tx_hash.empty()) o.Str("tx_hash", r.tx_hash);
      o.Str("balance", FormatWei(r.balance));
      break;
    case RecordType::kImportOrchestrator:
      o.Str("orchestrator_id", r.orchestrator_id).Raw("record", r.raw_record);
      break;
    case RecordType::kImportBalance:
      o.Str("orchestrator_id", r.orchestrator_id).Str("balance", FormatWei(r.balance));
      break;
    case RecordType::kImportWorkload:
      o.Str("workload_id", r.workload_id).Raw("record", r.raw_record);
      break;
  }
  o.Close();
  return out;
}

Result<Record> DecodeBody(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return Bad("not valid JSON");
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Bad("not a JSON object");
  Decoded d;
  for (auto field : obj) PB_RETURN_IF_ERROR(ReadField(field.key, field.value, &d));
  if (!d.have_seq || !d.have_ts || !d.have_type) return Bad("missing seq, ts or type");
  if (!IsComplete(d)) return Bad(std::string("a '") + RecordTypeName(d.r.type) + "' record lacks a required key");
  return std::move(d.r);
}

Digest ChainHash(const Digest& prev, std::string_view body) {
  thread_local Sha256 hasher;
  hasher.Update(prev);
  hasher.Update(body);
  return hasher.Finish();
}

std::string EncodeLine(const Digest& hash, std::string_view body) {
  std::string line = ToHex(hash);
  line.reserve(line.size() + body.size() + 2);
  line.push_back(' ');
  line.append(body);
  line.push_back('\n');
  return line;
}

}  // namespace pb::ledger
