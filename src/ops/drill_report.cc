// The drill report: pass/fail and its text and JSON forms (ops/drill.h).
#include <cstdio>

#include "common/json_text.h"
#include "ops/drill.h"

namespace pb::ops {
namespace {

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

bool DrillReport::ok() const {
  if (steps.empty() || !temp_removed) return false;
  for (const DrillStep& s : steps) {
    if (!s.ok) return false;
  }
  return steps.size() == 6;
}

std::string DrillReportText(const DrillReport& r) {
  std::string out = "drill of snapshot " + r.snapshot_id.substr(0, 8) + "\n";
  for (const DrillStep& s : r.steps) {
    char line[64];
    std::snprintf(line, sizeof line, "  %-6s %-9s %9s s  ", s.ok ? "ok" : "FAILED", s.name.c_str(),
                  Seconds(s.ms).c_str());
    out += line + s.detail + "\n";
  }
  if (r.ok()) {
    out += "recovery time: " + Seconds(r.recovery_ms) + " s (restore + start + balances)\ndrill passed\n";
  } else {
    out += "drill FAILED\n";
  }
  return out;
}

std::string DrillReportJson(const DrillReport& r) {
  std::string steps = "[";
  for (const DrillStep& s : r.steps) {
    if (steps.size() > 1) steps += ",";
    JsonObject(&steps).Str("name", s.name).Int("ms", s.ms).Bool("ok", s.ok).Str("detail", s.detail).Close();
  }
  steps += "]";
  std::string out;
  JsonObject o(&out);
  o.Bool("ok", r.ok()).Str("snapshot_id", r.snapshot_id).Raw("steps", steps);
  if (r.ok()) o.Int("recovery_ms", r.recovery_ms);
  o.Str("totals_source", r.totals_source).Str("temp_dir", r.temp_dir).Bool("temp_removed", r.temp_removed).Close();
  return out;
}

}  // namespace pb::ops
