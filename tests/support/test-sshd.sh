# shellcheck shell=bash
# Sourced by shell tests and benchmarks that need a real sshd on 127.0.0.1
# (tests/container/deploy_test.sh, bench/remote_bench.sh). The C++ tests have
# their own fixture (tests/integration/support/sshd_fixture.h).
#
# start_test_sshd DIR PORT
#   Makes, in DIR (created 0700): host_key, client_key(.pub), authorized_keys,
#   known_hosts (the host key for [127.0.0.1]:PORT) and sshd_config; starts sshd
#   in the foreground of a background job, listening on 127.0.0.1:PORT only, its
#   log in DIR/sshd.log; waits (at most 10 s) until a login with client_key
#   works. Sets TEST_SSHD_PID. Returns non-zero, with the reason on stderr, when
#   sshd refuses the config, exits or never accepts the login.
#   Keys are made at run time and live only in DIR; as root, /run/sshd (sshd's
#   privilege separation directory) is created if missing.
#   sshd runs each command through the user's login shell, which reads the
#   user's start-up files from $HOME (bash: ~/.bashrc); the server sets HOME
#   to DIR/home (empty; sshd_config SetEnv), so the machine's own start-up
#   files never run.
#
# stop_test_sshd
#   Stops the sshd started above (TERM, then KILL after 5 s) and waits for it.
start_test_sshd() {
  local dir="$1" port="$2"
  local sshd_bin
  sshd_bin="$(command -v sshd || echo /usr/sbin/sshd)"
  if [ ! -x "$sshd_bin" ]; then
    echo "sshd not found (scripts/setup.sh installs openssh-server)" >&2
    return 1
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C pb-test-host -f "$dir/host_key" </dev/null
  ssh-keygen -q -t ed25519 -N '' -C pb-test-client -f "$dir/client_key" </dev/null
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  chmod 600 "$dir/authorized_keys"
  local key_type key_b64
  read -r key_type key_b64 _ < "$dir/host_key.pub"
  printf '[127.0.0.1]:%s %s %s\n' "$port" "$key_type" "$key_b64" > "$dir/known_hosts"
  cat > "$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile none
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
AllowTcpForwarding no
SetEnv HOME=$dir/home
CONF
  mkdir -p "$dir/home"
  chmod 755 "$dir/home"
  if ! "$sshd_bin" -t -f "$dir/sshd_config" 2>"$dir/sshd.log"; then
    echo "sshd -t refused the config: $(cat "$dir/sshd.log")" >&2
    return 1
  fi
  "$sshd_bin" -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
  TEST_SSHD_PID=$!
  local _
  for _ in $(seq 1 50); do
    if ssh -F /dev/null -i "$dir/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
         -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$dir/known_hosts" \
         -o ConnectTimeout=2 -p "$port" "$(id -un)@127.0.0.1" true 2>"$dir/probe.err" </dev/null; then
      return 0
    fi
    if ! kill -0 "$TEST_SSHD_PID" 2>/dev/null; then
      echo "sshd exited: $(cat "$dir/sshd.log")" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "no ssh login to 127.0.0.1:$port within 10 s: $(cat "$dir/probe.err")" >&2
  return 1
}

stop_test_sshd() {
  [ -n "${TEST_SSHD_PID:-}" ] || return 0
  kill "$TEST_SSHD_PID" 2>/dev/null || true
  local _
  for _ in $(seq 1 50); do
    kill -0 "$TEST_SSHD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$TEST_SSHD_PID" 2>/dev/null || true
  wait "$TEST_SSHD_PID" 2>/dev/null || true
  TEST_SSHD_PID=""
}
