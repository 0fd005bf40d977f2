#!/usr/bin/env bash
# zkCleanup.sh [--config DIR] -n COUNT: keeps the COUNT (at least 3) newest snapshots and the
# transaction logs they need, in the dataDir and dataLogDir of ZOOCFG, and deletes the rest.
# Stop nothing first: the server keeps running. autopurge.* in zoo.cfg does the same on a timer.
set -euo pipefail
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"
value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ZOOCFG" | tail -n 1 | tr -d '[:space:]'; }
data_dir=$(value dataDir)
data_log_dir=$(value dataLogDir)
if [ -z "$data_dir" ]; then
  echo "Error: no dataDir in $ZOOCFG" >&2
  exit 1
fi
mkdir -p "$ZOO_LOG_DIR"
dirs=("$data_dir")
[ -z "$data_log_dir" ] || dirs=("$data_log_dir" "$data_dir")
# JVMFLAGS holds several flags: split it on purpose.
# shellcheck disable=SC2086
exec "$JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=zookeeper-$(id -un)-cleanup-$(hostname).log" \
  -cp "$CLASSPATH" ${JVMFLAGS:-} org.apache.zookeeper.server.PurgeTxnLog "${dirs[@]}" "$@"
