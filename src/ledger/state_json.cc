#include "ledger/state_json.h"

#include <simdjson.h>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "ledger/datadir.h"

namespace pb::ledger {
namespace {

// Writes `{\n  "key": value,\n ... }\n` with one entry per line, flushing to
// the sink in ~1 MiB pieces.
template <typename Container, typename KeyFn, typename ValueFn>
Status WriteObjectFile(const Container& items, const TextSink& sink, KeyFn key, ValueFn value) {
  std::string buf = "{";
  bool first = true;
  for (const auto& item : items) {
    buf += first ? "\n  " : ",\n  ";
    first = false;
    AppendJsonString(&buf, key(item));
    buf += ": ";
    value(item, &buf);
    if (buf.size() > (1 << 20)) {
      PB_RETURN_IF_ERROR(sink(buf));
      buf.clear();
    }
  }
  buf += first ? "}\n" : "\n}\n";
  return sink(buf);
}

Status FileError(const std::string& file, const std::string& entry, const std::string& why) {
  return Status::Corruption(file + ": entry '" + entry + "': " + why +
                            "; fix or remove the file (the journal rebuilds it) and restart");
}

}  // namespace

std::string OrchestratorJson(const Orchestrator& o, Wei balance, bool with_balance) {
  std::string out;
  JsonObject j(&out);
  j.Str("orchestrator_id", o.id).Str("address", o.address).UInt("registration_count", o.registration_count);
  j.Bool("eligible_for_payments", o.eligible_for_payments).Bool("denylisted", o.denylisted);
  if (o.registered_at_ms != 0) j.Str("registered_at", FormatIso8601(o.registered_at_ms));
  if (o.last_registered_at_ms != 0) j.Str("last_registered_at", FormatIso8601(o.last_registered_at_ms));
  if (with_balance) j.Str("balance", FormatEth(balance));
  if (!o.extra_members.empty()) {
    out.push_back(',');
    out += o.extra_members;
  }
  j.Close();
  return out;
}

std::string WorkloadJson(const Workload& w) {
  if (w.raw_record) return *w.raw_record;
  std::string out;
  JsonObject j(&out);
  std::string when = FormatIso8601(w.credited_at_ms);
  j.Str("workload_id", w.id).Str("orchestrator_id", *w.orchestrator_id).Str("amount", FormatEth(w.amount));
  if (w.duration_ms) j.UInt("duration_ms", *w.duration_ms);
  j.Str("status", "credited").Str("submitted_at", when).Bool("credited", true).Str("credited_at", when);
  j.UInt("seq", w.seq).Close();
  return out;
}

Status WriteRegistryJson(const StateImage& image, const TextSink& sink) {
  return WriteObjectFile(
      image.orchestrators, sink, [](const Orchestrator& o) -> std::string_view { return o.id; },
      [](const Orchestrator& o, std::string* out) { *out += OrchestratorJson(o, 0, false); });
}

Status WriteBalancesJson(const BalanceList& balances, const TextSink& sink) {
  return WriteObjectFile(
      balances, sink, [](const auto& b) -> std::string_view { return b.first; },
      [](const auto& b, std::string* out) { AppendJsonString(out, FormatEth(b.second)); });
}

Status WriteWorkloadsJson(const StateImage& image, const TextSink& sink) {
  return WriteObjectFile(
      image.workloads, sink, [](const Workload& w) -> std::string_view { return w.id; },
      [](const Workload& w, std::string* out) { *out += WorkloadJson(w); });
}

Result<Orchestrator> ParseRegistryEntry(std::string_view id, std::string_view object_json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(object_json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("registry entry '" + std::string(id) + "' is not a JSON object");
  }
  Orchestrator o;
  o.id = std::string(id);
  for (auto field : obj) {
    std::string_view key = field.key, s;
    auto v = field.value;
    const bool ours = key == "orchestrator_id" || key == "address" || key == "registration_count" ||
                      key == "eligible_for_payments" || key == "denylisted" || key == "registered_at" ||
                      key == "last_registered_at";
    // Members this service writes itself are never kept verbatim (they would
    // appear twice in registry.json): null means "not set", any other value
    // must be usable.
    if (ours && v.is_null()) continue;
    bool known = true;
    if (key == "orchestrator_id") {
      known = v.get_string().get(s) == simdjson::SUCCESS && s == id;
    } else if (key == "address") {
      known = v.get_string().get(s) == simdjson::SUCCESS;
      if (known) o.address = std::string(s);
    } else if (key == "registration_count") {
      known = v.get_uint64().get(o.registration_count) == simdjson::SUCCESS;
    } else if (key == "eligible_for_payments") {
      known = v.get_bool().get(o.eligible_for_payments) == simdjson::SUCCESS;
    } else if (key == "denylisted") {
      known = v.get_bool().get(o.denylisted) == simdjson::SUCCESS;
    } else if (key == "registered_at" || key == "last_registered_at") {
      known = v.get_string().get(s) == simdjson::SUCCESS;
      auto ms = known ? ParseIso8601(s) : Result<int64_t>(Status::InvalidArgument(""));
      known = ms.ok();
      if (known) (key == "registered_at" ? o.registered_at_ms : o.last_registered_at_ms) = *ms;
    } else {
      known = false;
    }
    if (!known && ours) {
      return Status::InvalidArgument("registry entry '" + std::string(id) + "': member '" + std::string(key) +
                                     "' has an unusable value " + simdjson::minify(v).substr(0, 64));
    }
    if (!known) {  // a member of the Python era this service does not know: kept verbatim
      if (!o.extra_members.empty()) o.extra_members.push_back(',');
      AppendJsonString(&o.extra_members, key);
      o.extra_members.push_back(':');
      o.extra_members += simdjson::minify(v);
    }
  }
  return o;
}

namespace {

using simdjson::dom::element;

// Calls fn(key, value) for every member of the top-level object of `path`.
// A missing file is an empty object. (DOM parser: simdjson's DOM picks the
// CPU's fastest kernel at run time.)
template <typename Fn>
Status ForEachMember(const std::string& path, const std::string& name, Fn fn) {
  if (!FileExists(path)) return Status::Ok();
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
    return Status::IOError("cannot read " + path);
  }
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS) {
    return Status::Corruption(name + " is not a JSON object; restore it from a backup or remove it to rebuild "
                              "it from the journal");
  }
  for (auto field : obj) PB_RETURN_IF_ERROR(fn(std::string(field.key), field.value));
  return Status::Ok();
}

Status LoadWorkloadElement(const std::string& id, element v, LedgerState* state) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return FileError(kWorkloadsJson, id, "not a JSON object");
  Workload w;
  uint64_t seq = 0;
  if (obj["seq"].get_uint64().get(seq) != simdjson::SUCCESS) {  // adopted Python-era record
    w.raw_record = std::make_unique<std::string>(simdjson::minify(obj));
    state->LoadWorkload(id, std::move(w));
    return Status::Ok();
  }
  w.seq = seq;
  std::string_view orch, amount, credited_at;
  if (obj["orchestrator_id"].get_string().get(orch) != simdjson::SUCCESS ||
      obj["amount"].get_string().get(amount) != simdjson::SUCCESS ||
      obj["credited_at"].get_string().get(credited_at) != simdjson::SUCCESS) {
    return FileError(kWorkloadsJson, id, "lacks orchestrator_id, amount or credited_at");
  }
  auto wei = ParseEth(amount);
  auto ms = ParseIso8601(credited_at);
  if (!wei.ok() || !ms.ok()) return FileError(kWorkloadsJson, id, "has a malformed amount or credited_at");
  const Orchestrator* o = state->FindOrchestrator(orch);
  if (o == nullptr) return FileError(kWorkloadsJson, id, "names an orchestrator missing from registry.json");
  w.orchestrator_id = &o->id;
  w.amount = *wei;
  w.credited_at_ms = *ms;
  uint64_t duration;
  if (obj["duration_ms"].get_uint64().get(duration) == simdjson::SUCCESS) w.duration_ms = duration;
  state->LoadWorkload(id, std::move(w));
  return Status::Ok();
}

}  // namespace

StateFilePaths DefaultStateFilePaths(const std::string& dir) {
  return {DataPath(dir, kRegistryJson), DataPath(dir, kBalancesJson), DataPath(dir, kWorkloadsJson)};
}

Status LoadStateFiles(const std::string& dir, LedgerState* state) {
  return LoadStateFiles(DefaultStateFilePaths(dir), state);
}

Status LoadStateFiles(const StateFilePaths& paths, LedgerState* state) {
  PB_RETURN_IF_ERROR(ForEachMember(paths.registry, kRegistryJson, [&](const std::string& id, element v) {
    if (!v.is_object()) return FileError(kRegistryJson, id, "not a JSON object");
    auto o = ParseRegistryEntry(id, simdjson::minify(v));
    if (!o.ok()) return FileError(kRegistryJson, id, o.status().message());
    if (state->FindOrchestrator(id) != nullptr) return FileError(kRegistryJson, id, "appears twice");
    state->LoadOrchestrator(std::move(o.value()));
    return Status::Ok();
  }));
  PB_RETURN_IF_ERROR(ForEachMember(paths.balances, kBalancesJson, [&](const std::string& id, element v) {
    std::string raw = v.is_string() ? std::string(std::string_view(v)) : simdjson::minify(v);
    auto wei = ParseLegacyEth(raw);
    if (!wei.ok()) return FileError(kBalancesJson, id, wei.status().message());
    if (*wei < 0) return FileError(kBalancesJson, id, "balance is negative");
    state->LoadBalance(id, *wei);
    return Status::Ok();
  }));
  return ForEachMember(paths.workloads, kWorkloadsJson, [&](const std::string& id, element v) {
    if (state->FindWorkload(id) != nullptr) return FileError(kWorkloadsJson, id, "appears twice");
    return LoadWorkloadElement(id, v, state);
  });
}

}  // namespace pb::ledger
