// Reading the --json reports of the remote commands (support/remote_fixture.h).
#include <simdjson.h>

#include <functional>

#include "support/remote_fixture.h"

namespace pb::integration {

// The targets of a --json report by name; empty when `json` is not such a
// report.
std::map<std::string, TargetReport> ParseTargets(const std::string& json) {
  std::map<std::string, TargetReport> out;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return out;
  simdjson::dom::array targets;
  if (root["targets"].get_array().get(targets) != simdjson::SUCCESS) return out;
  auto str = [](simdjson::dom::element e, const char* key) {
    std::string_view v;
    return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  auto boolean = [](simdjson::dom::element e, const char* key) {
    bool v = false;
    return e[key].get_bool().get(v) == simdjson::SUCCESS && v;
  };
  for (simdjson::dom::element t : targets) {
    TargetReport r;
    r.target = str(t, "target");
    r.ok = boolean(t, "ok");
    r.error = str(t, "error");
    r.failed_step = str(t, "failed_step");
    // A bool, or the list of what was rolled back (the contract names the
    // field, not its type).
    simdjson::dom::array rolled_back;
    r.rolled_back = boolean(t, "rolled_back") ||
                    (t["rolled_back"].get_array().get(rolled_back) == simdjson::SUCCESS && rolled_back.size() > 0);
    r.snapshot_id = str(t, "snapshot_id");
    simdjson::dom::array steps;
    if (t["steps"].get_array().get(steps) == simdjson::SUCCESS) {
      auto integer = [](simdjson::dom::element e, const char* key) {
        int64_t v = -1;
        return e[key].get_int64().get(v) == simdjson::SUCCESS ? v : int64_t{-1};
      };
      auto number = [](simdjson::dom::element e, const char* key) {
        double v = -1;
        return e[key].get_double().get(v) == simdjson::SUCCESS ? v : -1.0;
      };
      for (simdjson::dom::element s : steps) {
        r.steps.push_back({str(s, "step"), boolean(s, "ok"), str(s, "detail"), number(s, "start_seconds"),
                           number(s, "end_seconds"), integer(s, "remote_commands")});
      }
    }
    out[r.target] = std::move(r);
  }
  return out;
}

// The first unsigned integer member named `key` anywhere in `json` (depth
// first, document order), or UINT64_MAX. The contract does not say where a
// remote backup reports the counters of its local backup of the staging
// copy (files_grown, files_read, ...), so they are looked up by name.
uint64_t FindUInt(const std::string& json, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return UINT64_MAX;
  uint64_t found = UINT64_MAX;
  std::function<bool(simdjson::dom::element)> walk = [&](simdjson::dom::element e) {
    simdjson::dom::object obj;
    simdjson::dom::array arr;
    if (e.get_object().get(obj) == simdjson::SUCCESS) {
      for (auto field : obj) {
        uint64_t v;
        if (field.key == key && field.value.get_uint64().get(v) == simdjson::SUCCESS) {
          found = v;
          return true;
        }
        if (walk(field.value)) return true;
      }
    } else if (e.get_array().get(arr) == simdjson::SUCCESS) {
      for (auto item : arr) {
        if (walk(item)) return true;
      }
    }
    return false;
  };
  walk(root);
  return found;
}

}  // namespace pb::integration
