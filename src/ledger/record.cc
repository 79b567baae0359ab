#include "ledger/record.h"

#include <simdjson.h>

#include "common/flat_json.h"
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
  Record& r;
  bool have_seq = false, have_ts = false, have_type = false;
  bool have_amount = false, have_balance = false, have_delta = false;
};

// One member's value, as either reader (ScanFlatObject or simdjson) found it.
struct Value {
  enum class Kind { kString, kUint, kObject, kOther } kind = Kind::kOther;
  std::string_view text;  // kString: the string; kObject: the object as compact JSON
  uint64_t number = 0;    // kUint
};

bool ReadString(const Value& value, std::string* out) {
  if (value.kind != Value::Kind::kString) return false;
  out->assign(value.text);
  return true;
}

bool ReadUint(const Value& value, uint64_t* out) {
  if (value.kind != Value::Kind::kUint) return false;
  *out = value.number;
  return true;
}

// A string that `parse` (string_view -> Result<T>) accepts, into *out.
template <typename T, typename Parse>
bool ReadParsed(const Value& value, Parse parse, T* out) {
  if (value.kind != Value::Kind::kString) return false;
  auto parsed = parse(value.text);
  if (!parsed.ok()) return false;
  *out = *parsed;
  return true;
}

// A decimal string of wei; *seen set when it is one.
bool ReadWei(const Value& value, Wei* out, bool* seen) {
  if (!ReadParsed(value, ParseWei, out)) return false;
  *seen = true;
  return true;
}

enum class FieldRead { kOk, kMalformed, kUnknownKey };
FieldRead ReadOf(bool ok) { return ok ? FieldRead::kOk : FieldRead::kMalformed; }

// The keys that only some record types have.
FieldRead ReadOptionalField(std::string_view key, const Value& value, Decoded* d) {
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
    if (!ReadUint(value, &ms)) return FieldRead::kMalformed;
    r.duration_ms = ms;
    return FieldRead::kOk;
  }
  if (key != "record") return FieldRead::kUnknownKey;
  if (value.kind != Value::Kind::kObject) return FieldRead::kMalformed;
  r.raw_record.assign(value.text);
  return FieldRead::kOk;
}

// Reads one key of a body into *d: InvalidArgument for an unknown key or a
// malformed value.
Status ReadField(std::string_view key, const Value& value, Decoded* d) {
  FieldRead read;
  if (key == "seq") {
    read = ReadOf(d->have_seq = ReadUint(value, &d->r.seq));
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

// The members of a body in the compact form EncodeBody writes, read without
// a JSON parser; false for any other text (then ReadParsedFields decides).
bool ReadFlatFields(std::string_view body, Decoded* d) {
  constexpr int kMaxMembers = 12;  // more than any record type has
  thread_local FlatMember members[kMaxMembers];  // not initialized again per record
  int n = ScanFlatObject(body, members, kMaxMembers);
  if (n < 0) return false;
  for (int i = 0; i < n; ++i) {
    Value v;
    v.kind = members[i].is_string ? Value::Kind::kString : Value::Kind::kUint;
    v.text = members[i].text;
    v.number = members[i].number;
    if (!ReadField(members[i].key, v, d).ok()) return false;
  }
  return true;
}

// The members of any body, through simdjson: InvalidArgument on the first
// problem.
Status ReadParsedFields(std::string_view body, Decoded* d) {
  thread_local simdjson::dom::parser parser;
  // The body copied into a buffer kept per thread, with the padding simdjson
  // reads past the end: no allocation per record.
  thread_local std::string padded;
  padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(body);
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), padded.size(), false).get(doc) != simdjson::SUCCESS) return Bad("not valid JSON");
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Bad("not a JSON object");
  std::string object_text;
  for (auto field : obj) {
    Value v;
    if (field.value.get_string().get(v.text) == simdjson::SUCCESS) {
      v.kind = Value::Kind::kString;
    } else if (field.value.get_uint64().get(v.number) == simdjson::SUCCESS) {
      v.kind = Value::Kind::kUint;
    } else if (field.value.is_object()) {
      object_text = simdjson::minify(field.value);
      v.kind = Value::Kind::kObject;
      v.text = object_text;
    }
    PB_RETURN_IF_ERROR(ReadField(field.key, v, d));
  }
  return Status::Ok();
}

// Every field of *r reset, its strings keeping their buffers.
void Reset(Record* r) {
  r->seq = 0;
  r->ts_ms = 0;
  r->type = RecordType::kRegister;
  r->orchestrator_id.clear();
  r->workload_id.clear();
  r->address.clear();
  r->reason.clear();
  r->tx_hash.clear();
  r->raw_record.clear();
  r->amount = r->delta = r->balance = 0;
  r->duration_ms.reset();
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

// InvalidArgument unless *d has seq, ts, type and every key its type requires.
Status CheckComplete(const Decoded& d) {
  if (!d.have_seq || !d.have_ts || !d.have_type) return Bad("missing seq, ts or type");
  if (!IsComplete(d)) return Bad(std::string("a '") + RecordTypeName(d.r.type) + "' record lacks a required key");
  return Status::Ok();
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

Status DecodeBodyInto(std::string_view body, Record* out) {
  Reset(out);
  Decoded flat{*out};
  if (ReadFlatFields(body, &flat)) return CheckComplete(flat);
  // Not the compact form, or a problem in it: read again in full, so that
  // what is accepted and every error are the JSON parser's.
  Reset(out);
  Decoded parsed{*out};
  PB_RETURN_IF_ERROR(ReadParsedFields(body, &parsed));
  return CheckComplete(parsed);
}

Result<Record> DecodeBody(std::string_view body) {
  Record r;
  PB_RETURN_IF_ERROR(DecodeBodyInto(body, &r));
  return r;
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
