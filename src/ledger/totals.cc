#include "ledger/totals.h"

#include <simdjson.h>

#include <unordered_map>
#include <unordered_set>

#include "common/json_text.h"
#include "common/mapped_file.h"
#include "ledger/journal.h"

namespace pb::ledger {

namespace {

// What the scan keeps: enough to give the totals, nothing to check effects.
struct TotalsScan {
  std::unordered_set<std::string> orchestrators;
  std::unordered_map<std::string, Wei> balances;
  uint64_t workloads = 0;
  uint64_t last_seq = 0;
};

// Applies the record whose body is at `body` (followed by at least
// SIMDJSON_PADDING readable bytes); sets *past when its seq is beyond
// `through_seq`. False when the body is not a record the scan understands.
bool ScanRecord(simdjson::ondemand::parser& parser, const char* body, size_t length, size_t capacity,
                uint64_t through_seq, TotalsScan* scan, bool* past) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(body, length, capacity).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return false;
  }
  uint64_t seq = 0;
  std::string_view type, orchestrator, balance;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    auto value = field.value();
    if (key == "seq") {
      if (value.get_uint64().get(seq) != simdjson::SUCCESS) return false;
      if (seq > through_seq) {
        *past = true;
        return true;
      }
    } else if (key == "type") {
      if (value.get_string().get(type) != simdjson::SUCCESS) return false;
    } else if (key == "orchestrator_id") {
      if (value.get_string().get(orchestrator) != simdjson::SUCCESS) return false;
    } else if (key == "balance") {
      if (value.get_string().get(balance) != simdjson::SUCCESS) return false;
    }
    // Other values (ts, amount, nested import records) are skipped unread.
  }
  // The views point into the parser's string buffer, valid until the next
  // iterate.
  if (seq != scan->last_seq + 1 || type.empty()) return false;
  scan->last_seq = seq;
  if (type == "register" || type == "import_orchestrator") {
    scan->orchestrators.emplace(orchestrator);
  } else if (type == "workload" || type == "import_workload") {
    ++scan->workloads;
  }
  if (!balance.empty() && (type == "workload" || type == "adjustment" || type == "import_balance")) {
    auto wei = ParseWei(balance);
    if (!wei.ok()) return false;
    scan->balances[std::string(orchestrator)] = *wei;
  }
  return true;
}

}  // namespace

Result<LedgerTotals> ScanTotals(const std::string& journal_dir, uint64_t through_seq) {
  auto segments = ListSegments(journal_dir);
  if (!segments.ok()) return segments.status();
  TotalsScan scan;
  simdjson::ondemand::parser parser;
  bool past = false;
  for (const Segment& segment : *segments) {
    if (past) break;
    auto file = MappedFile::Open(segment.path);
    if (!file.ok()) return file.status();
    const std::string_view text = file->view();
    for (size_t at = 0; at < text.size() && !past;) {
      const size_t nl = text.find('\n', at);
      if (nl == std::string_view::npos) break;  // a torn last line: never acknowledged
      const size_t space = text.find(' ', at);
      bool parsed = false;
      if (space < nl) {
        const size_t body = space + 1, length = nl - body;
        if (text.size() - body >= length + simdjson::SIMDJSON_PADDING) {
          parsed = ScanRecord(parser, text.data() + body, length, text.size() - body, through_seq, &scan, &past);
        } else {  // near the end of the map: parse a padded copy
          simdjson::padded_string copy(text.data() + body, length);
          parsed = ScanRecord(parser, copy.data(), length, copy.size() + simdjson::SIMDJSON_PADDING, through_seq,
                              &scan, &past);
        }
      }
      if (!parsed) {
        return Status::Corruption(segment.path + ": the record at byte " + std::to_string(at) +
                                  " does not parse (after seq " + std::to_string(scan.last_seq) +
                                  "); run `paymentsctl verify`");
      }
      at = nl + 1;
    }
  }
  if (scan.last_seq < through_seq) {
    return Status::InvalidArgument("the journal in " + journal_dir + " ends at seq " + std::to_string(scan.last_seq) +
                                   ", before seq " + std::to_string(through_seq));
  }
  LedgerTotals totals;
  totals.orchestrators = scan.orchestrators.size();
  totals.workloads = scan.workloads;
  for (const auto& [id, wei] : scan.balances) totals.balance_wei += wei;
  return totals;
}

std::string DescribeTotals(const LedgerTotals& t) {
  return std::to_string(t.orchestrators) + " orchestrators, " + std::to_string(t.workloads) + " workloads, " +
         FormatEth(t.balance_wei) + " ETH total balance";
}

std::string EncodeTotals(const LedgerTotals& t) {
  std::string out;
  JsonObject(&out)
      .UInt("orchestrators", t.orchestrators)
      .UInt("workloads", t.workloads)
      .Str("balance_wei", FormatWei(t.balance_wei))
      .Close();
  return out;
}

Result<LedgerTotals> DecodeTotals(std::string_view json) {
  auto bad = [](const std::string& detail) { return Status::Corruption("ledger totals: " + detail); };
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj) != simdjson::SUCCESS) return bad("not a JSON object");
  LedgerTotals t;
  for (auto [key, out] : {std::pair<const char*, uint64_t*>{"orchestrators", &t.orchestrators},
                          {"workloads", &t.workloads}}) {
    if (obj[key].get_uint64().get(*out) != simdjson::SUCCESS) {
      return bad(std::string("field ") + key + " is missing or not a non-negative integer");
    }
  }
  std::string_view balance;
  if (obj["balance_wei"].get_string().get(balance) != simdjson::SUCCESS) {
    return bad("field balance_wei is missing or not a string");
  }
  auto wei = ParseWei(balance);
  if (!wei.ok()) return bad("field balance_wei is not a decimal wei amount");
  t.balance_wei = *wei;
  return t;
}

}  // namespace pb::ledger
