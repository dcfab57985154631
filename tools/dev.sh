#!/usr/bin/env bash
# Loft's two developer commands, for a fresh Debian 12 machine:
#   tools/dev.sh run    install what is missing, build into build/, create the demo
#                       user (demo/demo) if there is no user yet, run loftd in the foreground
#   tools/dev.sh test   install what is missing (plus the test-only packages), build
#                       into build/ci with -Dwerror=true, run every meson test suite
#                       (base protocol storage search server e2e) and end with
#                       "tests: N passed, M failed"; exits non-zero if any failed or none ran
# Packages are installed with apt-get only when dpkg-query says they are missing
# (as root, or through sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_PACKAGES=(meson ninja-build pkg-config g++ libuv1-dev librocksdb-dev libssl-dev
  libxapian-dev doctest-dev libtomlplusplus-dev libcli11-dev libsodium-dev libzstd-dev
  openssl python3 zlib1g-dev)
TEST_PACKAGES=(swaks isync fetchmail dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix python3)
CONFIG=conf/loft.toml

say() { printf '== %s\n' "$*" >&2; }

install_missing() {
  local missing=() p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update
  # Packages with services (dovecot) must not start them here: the tests run
  # private instances on ephemeral ports. policy-rc.d is only added if absent.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    added_policy=1
  fi
  # postfix (tests run a private instance): no system configuration, no questions
  if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    printf 'postfix postfix/main_mailer_type select No configuration\n' |
      "${sudo[@]}" debconf-set-selections
  fi
  local rc=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}" || rc=$?
  [ "$added_policy" -eq 1 ] && "${sudo[@]}" rm -f "$policy"
  return "$rc"
}

# setup_build DIR [meson options...]: configure DIR once, then apply the options.
setup_build() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    [ $# -eq 0 ] || meson configure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

cmd_run() {
  install_missing "${BUILD_PACKAGES[@]}"
  setup_build build
  ninja -C build
  local users
  users=$(build/tools/loftctl --config "$CONFIG" user list 2>/dev/null || true)
  if [ -z "$(printf '%s' "$users" | tr -d '[:space:]')" ]; then
    printf 'demo\n' | build/tools/loftctl --config "$CONFIG" user add demo
    say "created the demo user: demo / password demo"
  fi
  say "starting loftd with $CONFIG (Ctrl-C stops it)"
  exec build/server/loftd --config "$CONFIG"
}

cmd_test() {
  install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  local dir=build/ci
  setup_build "$dir" -Dwerror=true
  ninja -C "$dir"
  local log="$dir/meson-logs/testlog.json" rc=0
  rm -f "$log"
  meson test -C "$dir" --print-errorlogs || rc=$?
  local counts
  counts=$(python3 - "$log" <<'PY'
import json, sys
passed = failed = 0
try:
    with open(sys.argv[1]) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line).get('result')
            if r in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif r != 'SKIP':
                failed += 1
except FileNotFoundError:
    pass
print(passed, failed)
PY
)
  local passed=${counts% *} failed=${counts#* }
  echo "tests: $passed passed, $failed failed"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$rc" -ne 0 ]; then
    exit 1
  fi
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
