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

std::optional<RecordType> TypeFromName(std::string_view name) {
  for (auto t : {RecordType::kRegister, RecordType::kWorkload, RecordType::kAdjustment,
                 RecordType::kImportOrchestrator, RecordType::kImportBalance, RecordType::kImportWorkload}) {
    if (name == RecordTypeName(t)) return t;
  }
  return std::nullopt;
}

Status Bad(std::string what) { return Status::InvalidArgument("journal record: " + std::move(what)); }

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
  Record r;
  bool have_seq = false, have_ts = false, have_type = false;
  bool have_amount = false, have_balance = false, have_delta = false;
  for (auto field : obj) {
    std::string_view key = field.key;
    auto value = field.value;
    auto str = [&](std::string* out) -> bool {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS) return false;
      out->assign(s);
      return true;
    };
    auto wei = [&](Wei* out, bool* seen) -> bool {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS) return false;
      auto parsed = ParseWei(s);
      if (!parsed.ok()) return false;
      *out = *parsed;
      *seen = true;
      return true;
    };
    bool ok = true;
    if (key == "seq") {
      ok = value.get_uint64().get(r.seq) == simdjson::SUCCESS;
      have_seq = ok;
    } else if (key == "ts") {
      std::string_view s;
      ok = value.get_string().get(s) == simdjson::SUCCESS;
      if (ok) {
        auto ms = ParseIso8601(s);
        ok = ms.ok();
        if (ok) r.ts_ms = *ms;
      }
      have_ts = ok;
    } else if (key == "type") {
      std::string_view s;
      ok = value.get_string().get(s) == simdjson::SUCCESS;
      auto t = ok ? TypeFromName(s) : std::nullopt;
      ok = t.has_value();
      if (ok) r.type = *t;
      have_type = ok;
    } else if (key == "orchestrator_id") {
      ok = str(&r.orchestrator_id);
    } else if (key == "workload_id") {
      ok = str(&r.workload_id);
    } else if (key == "address") {
      ok = str(&r.address);
    } else if (key == "reason") {
      ok = str(&r.reason);
    } else if (key == "tx_hash") {
      ok = str(&r.tx_hash);
    } else if (key == "amount") {
      ok = wei(&r.amount, &have_amount);
    } else if (key == "delta") {
      ok = wei(&r.delta, &have_delta);
    } else if (key == "balance") {
      ok = wei(&r.balance, &have_balance);
    } else if (key == "duration_ms") {
      uint64_t d;
      ok = value.get_uint64().get(d) == simdjson::SUCCESS;
      if (ok) r.duration_ms = d;
    } else if (key == "record") {
      ok = value.is_object();
      if (ok) r.raw_record = simdjson::minify(value);
    } else {
      return Bad("unknown key '" + std::string(key) + "'");
    }
    if (!ok) return Bad("key '" + std::string(key) + "' has a malformed value");
  }
  if (!have_seq || !have_ts || !have_type) return Bad("missing seq, ts or type");
  bool complete = true;
  switch (r.type) {
    case RecordType::kRegister: complete = !r.orchestrator_id.empty(); break;
    case RecordType::kWorkload:
      complete = !r.workload_id.empty() && !r.orchestrator_id.empty() && have_amount && have_balance;
      break;
    case RecordType::kAdjustment: complete = !r.orchestrator_id.empty() && have_delta && have_balance; break;
    case RecordType::kImportOrchestrator: complete = !r.orchestrator_id.empty() && !r.raw_record.empty(); break;
    case RecordType::kImportBalance: complete = !r.orchestrator_id.empty() && have_balance; break;
    case RecordType::kImportWorkload: complete = !r.workload_id.empty() && !r.raw_record.empty(); break;
  }
  if (!complete) return Bad(std::string("a '") + RecordTypeName(r.type) + "' record lacks a required key");
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
