#!/usr/bin/env bash
# Runs molecule scenarios in the order given; "a+b" runs a and b side by side (their hosts,
# networks and names must not meet: the lab scenario's kafkalab-molecule-*, the single-kraft
# scenario's molecule-single-kraft-* and the kraft scenario's molecule-kraft-* containers, the
# single-host scenario's own network, and the default scenario's hosts on its fixed subnet outside
# Docker's default pools, do not). A
# scenario run alongside another logs to build/molecule-<scenario>.log, printed when it ends.
# Prints each scenario's time, and how busy the machine's CPUs were meanwhile: a group far from
# 100 % waits more than it computes, and could share the machine with another.
#   tools/run-scenarios.sh lab+single-host default+single-kraft kraft migration
set -uo pipefail
cd "$(dirname "$0")/.."
config=.config/molecule/config.yml
status=0

cpu_ticks() { # busy and total ticks of all CPUs since boot
  awk '/^cpu /{busy = $2 + $3 + $4 + $7 + $8; print busy, busy + $5 + $6}' /proc/stat
}
cpu_since() { # "busy total" from cpu_ticks: the share of CPU time used since then
  local busy total now_busy now_total
  read -r busy total <<< "$1"
  read -r now_busy now_total <<< "$(cpu_ticks)"
  echo "$(( 100 * (now_busy - busy) / (now_total - total > 0 ? now_total - total : 1) )) % CPU busy"
}

check_tests() {
  ls "molecule/$1"/tests/test_*.py >/dev/null 2>&1 || { echo "molecule/$1 has no tests"; exit 1; }
}

for group in "$@"; do
  IFS=+ read -r -a scenarios <<< "$group"
  for scenario in "${scenarios[@]}"; do check_tests "$scenario"; done
  if [ "${#scenarios[@]}" -eq 1 ]; then
    started=$(date +%s) ticks=$(cpu_ticks)
    molecule --base-config "$config" test -s "$group" || status=1
    echo "== molecule $group: $(( $(date +%s) - started )) s, $(cpu_since "$ticks")"
    continue
  fi
  mkdir -p build
  declare -A pids=()
  started=$(date +%s) ticks=$(cpu_ticks)
  for scenario in "${scenarios[@]}"; do
    ( s=$(date +%s); rc=0
      molecule --base-config "$config" test -s "$scenario" > "build/molecule-$scenario.log" 2>&1 || rc=$?
      echo "== molecule $scenario: $(( $(date +%s) - s )) s (beside ${group//+/, })" >> "build/molecule-$scenario.log"
      exit $rc ) &
    pids[$scenario]=$!
  done
  for scenario in "${scenarios[@]}"; do
    rc=0
    wait "${pids[$scenario]}" || rc=$?
    echo "=== molecule $scenario (run beside the others of $group), rc $rc:"
    cat "build/molecule-$scenario.log"
    [ "$rc" -eq 0 ] || status=1
  done
  echo "== molecule $group together: $(( $(date +%s) - started )) s, $(cpu_since "$ticks")"
  unset pids
done
exit $status
