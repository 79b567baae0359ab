#!/usr/bin/env bash
# scripts/unity_names.py finds a hazard and passes a clean batch: a batch whose
# first file defines kRegistryLog (text) in an anonymous namespace, used by the
# second file, which means ledger::kRegistryLog (a file name), fails; the same
# batch with the first file's name changed passes.
# Usage: unity_names_test.sh SOURCE_DIR
set -euo pipefail
check="$1/scripts/unity_names.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/t.dir/Unity"
cat >"$work/a.cc" <<'CC'
namespace pb::ledger {
namespace {

const char* const kRegistryLog = "{\"event\": \"register\"}\n";

}  // namespace
}  // namespace pb::ledger
CC
cat >"$work/b.cc" <<'CC'
namespace pb::ledger {
namespace {

std::string Path(const std::string& dir) { return dir + "/" + kRegistryLog; }

}  // namespace
}  // namespace pb::ledger
CC
printf '#include "%s"\n#include "%s"\n' "$work/a.cc" "$work/b.cc" >"$work/t.dir/Unity/unity_0_cxx.cxx"
if out="$(python3 "$check" "$work")"; then
  echo "FAIL: the hazard was not found: $out"
  exit 1
fi
grep -q "a.cc defines kRegistryLog, which b.cc uses" <<<"$out" || { echo "FAIL: $out"; exit 1; }
sed -i 's/kRegistryLog =/kRegistryText =/' "$work/a.cc"
python3 "$check" "$work" >/dev/null || { echo "FAIL: a clean batch was refused"; exit 1; }
echo "ok"
