# shellcheck shell=bash
# Sourced by bench scripts: BASE_BIN_DIR, the bin/ of another build (e.g. the
# commit before a change) measured in the same run.
# load_base_build PROGRAM SCRIPT: sets base_bin_dir ("" without
# BASE_BIN_DIR) and base_version (the first line of PROGRAM --version there);
# exits naming SCRIPT when PROGRAM is missing in it.
load_base_build() {
  base_bin_dir=""
  base_version=""
  [ -n "${BASE_BIN_DIR:-}" ] || return 0
  base_bin_dir=$(cd "$BASE_BIN_DIR" && pwd)
  [ -x "$base_bin_dir/$1" ] || { echo "$2: $base_bin_dir/$1 is missing (BASE_BIN_DIR)" >&2; exit 1; }
  base_version=$("$base_bin_dir/$1" --version 2>/dev/null | head -n 1 || true)
  : "${base_version:=the build in BASE_BIN_DIR}"
}
