#!/usr/bin/env bash
# zkSnapShotToolkit.sh [--config DIR] [-d|-json] SNAPSHOT_FILE: prints a snapshot (offline).
set -euo pipefail
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"
# JVMFLAGS holds several flags: split it on purpose.
# shellcheck disable=SC2086
exec "$JAVA" "-Dlogback.configurationFile=$ZOO_CLI_LOG_CONFIG" -cp "$CLASSPATH" ${JVMFLAGS:-} \
  org.apache.zookeeper.server.SnapshotFormatter "$@"
