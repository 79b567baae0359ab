#!/usr/bin/env bash
# Which way the dependencies point (issue 17): repo/
# knows nothing of the ledger or of the layers above it, the backend is chosen
# from a location only in repo/location.cc, and payments-backend does not link
# the CLI library.
# Usage: repo_layering_test.sh SOURCE_DIR "pb_repo: <targets it links, transitively>"
#        "payments-backend: <targets it links, transitively>"
set -euo pipefail

SRC=$1
REPO_LINKS=" ${2#*:} "
BACKEND_LINKS=" ${3#*:} "
fail=0
complain() {
  echo "FAIL: $*" >&2
  fail=1
}

for lib in pb_ledger pb_backup pb_restore pb_replicate pb_replicate_records pb_replicate_status pb_cli pb_remote \
    pb_ops pb_server; do
  case "$REPO_LINKS" in *" $lib "*) complain "pb_repo links $lib (repo/ must not depend on it)" ;; esac
done
case "$BACKEND_LINKS" in *" pb_cli "*) complain "payments-backend links pb_cli" ;; esac

cd "$SRC"
if hits=$(grep -rnE '#include "(ledger|backup|restore|replicate|cli|remote|ops|server)/' src/repo); then
  complain "src/repo includes headers of the layers above it:"$'\n'"$hits"
fi
if hits=$(grep -rnE '\bledger::' src/repo); then
  complain "src/repo names the ledger:"$'\n'"$hits"
fi
# Choosing a backend: only repo/location.cc (and the backends themselves).
if hits=$(grep -rnE 'LocalBackend::(Open|Create)|S3Backend::(Open|Create)|IsS3Url' src \
    | grep -vE '^src/repo/(location\.cc|local/|s3/)'); then
  complain "a backend is chosen outside repo/location.cc:"$'\n'"$hits"
fi
if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "ok: pb_repo links:$REPO_LINKS; payments-backend does not link pb_cli"
