#!/usr/bin/env bash
# Runs the fuzz targets, each on a copy of its seed corpus (fuzz/corpus/<name>/, so the
# checked-in one is never modified) with its dictionary, and fails if any target found a
# crash, a leak, undefined behaviour or a hang. One line per target at the end: executions,
# seconds, exec/s, coverage (cov/ft of libFuzzer's last line) and the corpus it ended with.
#
#   fuzz/run.sh BUILD_DIR SECONDS [libFuzzer flags...]     e.g. fuzz/run.sh build-fuzz 30
#   FUZZ_TARGETS="webhook resp_reader" fuzz/run.sh ...      only these targets
#   FUZZ_KEEP=DIR fuzz/run.sh ...                           keep the grown corpora in DIR/<name>
#
# A finding is left in the temporary directory printed for it (crash-*, leak-*, timeout-*):
# reproduce with `BUILD_DIR/fuzz/fuzz_<name> FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [libFuzzer flags...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [libFuzzer flags...]}
shift 2
targets=${FUZZ_TARGETS:-$(ls fuzz/corpus)}

# Inputs as large as what the proxy accepts where that matters: a header of up to
# limits.max_header_bytes (16 KiB) and the webhook's 64 KiB body limit.
max_len() {
  case "$1" in
    http_request) echo 20000 ;;
    webhook|socketio_message|event_payload) echo 65536 ;;
    *) echo 4096 ;;
  esac
}

failed=() summary=()
for name in $targets; do
  bin="$build/fuzz/fuzz_$name"
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (make fuzz-build)" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$name.XXXXXX")
  mkdir "$work/corpus"
  cp fuzz/corpus/"$name"/* "$work/corpus/"
  dict=()
  [ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
  echo "fuzz: $name for ${seconds}s in $work" >&2
  start=$(date +%s)
  status=0
  "$bin" -max_total_time="$seconds" -max_len="$(max_len "$name")" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$work/" "${dict[@]}" "$@" "$work/corpus" >"$work/log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//')
  cov=$(sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1 ft \2/p' <<<"$last")
  corpus=$(ls "$work/corpus" | wc -l)
  summary+=("$(printf '%-18s execs %-10s %5ss %7s exec/s  %-20s corpus %s' "$name" "${execs:-?}" "$elapsed" "${rate:-?}" "$cov" "$corpus")")
  if ((status != 0)); then
    failed+=("$name")
    echo "fuzz: $name FAILED (exit $status); log and input in $work:" >&2
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$work/log" | head -20 >&2 || tail -30 "$work/log" >&2
  else
    if [ -n "${FUZZ_KEEP:-}" ]; then
      mkdir -p "$FUZZ_KEEP/$name" && cp "$work/corpus"/* "$FUZZ_KEEP/$name/"
    fi
    rm -rf "$work"
  fi
done
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
