#!/usr/bin/env bash
# Loft's two developer commands, for a fresh Debian 12 machine:
#   tools/dev.sh run    install what is missing, build into build/, create the demo
#                       user (demo/demo) if there is no user yet, run loftd in the foreground
#   tools/dev.sh test   install what is missing (plus the test-only packages), then
#                       1. build/ci: optimized, -Dwerror=true, loftd and loftctl; the
#                          suites 'bounds' (memory and latency limits) and 'preload';
#                       2. build/asan: every suite (base protocol storage search server
#                          e2e) under AddressSanitizer at -O1 (any report fails the run);
#                       3. build/fuzz: clang + libFuzzer with ASan and UBSan, each
#                          *_fuzz target for FUZZ_SECONDS (20) on top of its seed corpus;
#                       and end with "tests: N passed, M failed" over all of them; exits
#                       non-zero if any failed or none ran (about 25 minutes on 2 cores
#                       from a clean clone with packages installed; tests/README.md)
# Packages are installed with apt-get only when dpkg-query says they are missing
# (as root, or through sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_PACKAGES=(meson ninja-build pkg-config g++ libuv1-dev librocksdb-dev libssl-dev
  libxapian-dev doctest-dev libtomlplusplus-dev libcli11-dev libsodium-dev libzstd-dev
  openssl python3 zlib1g-dev libicu-dev
  libstemmer-dev)
TEST_PACKAGES=(swaks isync fetchmail getmail6 mpop dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix python3
  libinterimap clang-14 libclang-rt-14-dev neomutt tmux nodejs thunderbird
  poppler-utils docx2txt odt2txt catdoc)
# npm for tests/e2e/node (imapflow); Debian ships it apart from nodejs, other
# nodejs builds bring their own and conflict with Debian's: installed only when absent
NODE_DIR=tests/e2e/node
FUZZ_TARGETS=(imap_parser lmtp pop3 admin search_text mime html_text)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
# The CI builds compile unity translation units (meson -Dunity=on: 16 sources per
# compiler run parse the shared headers once), about 4x less CPU than one run per
# source; build/ (tools/dev.sh run) stays one per source, so a missing #include shows there.
UNITY=(-Dunity=on -Dunity_size=16)
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

# The npm packages of the e2e tests (imapflow), as pinned in $NODE_DIR/package-lock.json,
# into $NODE_DIR/node_modules; skipped when that lock was already installed.
install_node_modules() {
  command -v npm >/dev/null || install_missing npm
  if [ ! -f "$NODE_DIR/node_modules/.package-lock.json" ] ||
     [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
    say "installing npm packages in $NODE_DIR"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund)
  fi
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

PASSED=0
FAILED=0
RC=0

# run_suites DIR: meson test in DIR; adds its results to PASSED/FAILED.
run_suites() {
  local dir=$1; shift
  local log="$dir/meson-logs/testlog.json" counts
  rm -f "$log"
  meson test -C "$dir" --print-errorlogs "$@" || RC=1
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
  PASSED=$((PASSED + ${counts% *}))
  FAILED=$((FAILED + ${counts#* }))
}

# check NAME COMMAND...: one more test result from a command's exit status.
check() {
  local name=$1; shift
  if "$@"; then
    PASSED=$((PASSED + 1))
  else
    say "FAILED: $name"
    FAILED=$((FAILED + 1))
  fi
}

# LeakSanitizer stops the world with ptrace: in containers without that it
# cannot run (and says so), so leaks are checked only where a probe shows it
# works. A leak the probe itself reports still counts as working.
lsan_works() {
  local exe=$1 out
  out=$(ASAN_OPTIONS=detect_leaks=1 "$exe" --help 2>&1 >/dev/null || true)
  ! grep -q 'LeakSanitizer has encountered a fatal error\|LeakSanitizer does not work' <<<"$out"
}

sanitizer_reports_empty() {
  local dir=$1 f found=0
  for f in "$dir"/*; do
    [ -e "$f" ] || continue
    found=1
    say "sanitizer report $f:"
    cat "$f" >&2
  done
  [ "$found" -eq 0 ]
}

test_asan() {
  local dir=build/asan
  # ASan alone at -O1: gcc's UBSan checks made this build five times slower to
  # compile than the optimized one (40 CPU-minutes); UBSan runs in the fuzz targets.
  setup_build "$dir" -Dwerror=true -Db_sanitize=address -Doptimization=1 -Db_lundef=false "${UNITY[@]}"
  ninja -C "$dir"
  local reports="$PWD/$dir/sanitizer-reports" leaks=0
  rm -rf "$reports"
  mkdir -p "$reports"
  lsan_works "$dir/tests/base/base_tests" && leaks=1
  say "sanitizer: ASan, leak checks $([ $leaks -eq 1 ] && echo on || echo off)"
  # Suite 'preload' (the power-loss recorder, an LD_PRELOAD library) is left
  # to build/ci: a preloaded library loads before the ASan runtime.
  # Reports go to files as well (log_path), so that a loftd started by an e2e
  # test cannot hide one in its own log: any file there fails the run.
  # The e2e scripts mostly wait on sockets: four at a time keep both cores busy.
  # The property test's queries cost ASan's price each: 500 of its 3,000 here.
  ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=$leaks:log_path=$reports/asan" \
  LOFT_PROPERTY_QUERIES=500 \
    run_suites "$dir" --timeout-multiplier 3 --num-processes 4 --no-suite preload
  check "sanitizer reports in $reports" sanitizer_reports_empty "$reports"
}

# One fuzz target: its seed corpus replayed, then FUZZ_SECONDS of new inputs
# (written to a scratch corpus, never into the repository).
fuzz_one() {
  local exe=$1 seeds=$2 work=$3 dict=()
  # A dictionary beside the target (tests/fuzz/<target>.dict) names its tokens.
  [ -f "tests/fuzz/$(basename "$exe" _fuzz).dict" ] && dict=(-dict="tests/fuzz/$(basename "$exe" _fuzz).dict")
  mkdir -p "$work/corpus" "$work/artifacts"
  "$exe" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1 || {
    tail -n 60 "$work/fuzz.log" >&2
    return 1
  }
  grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$work/fuzz.log" >&2 || true
}

test_fuzz() {
  local dir=build/fuzz t corpus
  [ -f "$dir/build.ninja" ] || CXX=clang++-14 meson setup "$dir" -Dwerror=true "${UNITY[@]}"
  local targets=("${FUZZ_TARGETS[@]/#/tests/fuzz/}")
  ninja -C "$dir" "${targets[@]/%/_fuzz}"
  # Two targets at a time, one per core.
  local running=() pid
  for t in "${FUZZ_TARGETS[@]}"; do
    corpus=$t
    [ "$t" = imap_parser ] && corpus=imap
    rm -rf "$dir/fuzz-run/$t"
    say "fuzzing $t for ${FUZZ_SECONDS}s"
    fuzz_one "$dir/tests/fuzz/${t}_fuzz" "tests/fuzz/corpus/$corpus" "$dir/fuzz-run/$t" &
    running+=("$!:$t")
    if [ ${#running[@]} -eq 2 ] || [ "$t" = "${FUZZ_TARGETS[-1]}" ]; then
      for pid in "${running[@]}"; do
        check "fuzz ${pid#*:}" wait "${pid%%:*}"
      done
      running=()
    fi
  done
}

cmd_test() {
  install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  install_node_modules
  # Every suite runs once, under ASan (test_asan); the optimized build only
  # builds the programs and runs the suites whose memory and latency bounds the
  # sanitizer hides ('bounds') or whose preloaded library it cannot load ('preload').
  local dir=build/ci
  setup_build "$dir" -Dwerror=true "${UNITY[@]}"
  ninja -C "$dir" server/loftd tools/loftctl tests/durability/libloft_plsim.so
  run_suites "$dir" --no-rebuild --suite bounds --suite preload
  test_asan
  test_fuzz
  echo "tests: $PASSED passed, $FAILED failed"
  if [ "$FAILED" -ne 0 ] || [ "$PASSED" -eq 0 ] || [ "$RC" -ne 0 ]; then
    exit 1
  fi
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
