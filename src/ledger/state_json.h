#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ledger/state.h"

namespace pb::ledger {

// The JSON files of the data directory (registry.json, balances.json,
// workloads.json): writing them from a LedgerState and reading them back.
// Shapes are documented in docs/journal-format.md ("Checkpoints").

// Receives serialized text in pieces; a non-ok Status stops the writer.
using TextSink = std::function<Status(std::string_view)>;

Status WriteRegistryJson(const StateImage& image, const TextSink& sink);
// Takes the balances alone (a checkpoint passes its image's copy).
Status WriteBalancesJson(const BalanceList& balances, const TextSink& sink);
Status WriteWorkloadsJson(const StateImage& image, const TextSink& sink);

// One orchestrator's registry.json object (no trailing newline).
std::string OrchestratorJson(const Orchestrator& o, Wei balance, bool with_balance);
// One workload's workloads.json object.
std::string WorkloadJson(const Workload& w);

// Parses one registry entry (a JSON object as text). Known members fill the
// struct; the rest are kept verbatim in extra_members.
Result<Orchestrator> ParseRegistryEntry(std::string_view id, std::string_view object_json);

// Loads the three files from `dir` into an empty `state`. Python-era files
// are accepted (their balances may use exponent notation). Errors name the
// file and the entry.
Status LoadStateFiles(const std::string& dir, LedgerState* state);

// The three files' paths, for loading from other names (a checkpoint's
// pending .ckpt files).
struct StateFilePaths {
  std::string registry, balances, workloads;
};
StateFilePaths DefaultStateFilePaths(const std::string& dir);
Status LoadStateFiles(const StateFilePaths& paths, LedgerState* state);

}  // namespace pb::ledger
