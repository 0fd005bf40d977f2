#!/usr/bin/env bash
# zkTxnLogToolkit.sh [--config DIR] [-dhrv] [-c] [-y] TXN_LOG_FILE: dumps, checks or repairs a transaction log (offline).
set -euo pipefail
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"
# JVMFLAGS holds several flags: split it on purpose.
# shellcheck disable=SC2086
exec "$JAVA" "-Dlogback.configurationFile=$ZOO_CLI_LOG_CONFIG" -cp "$CLASSPATH" ${JVMFLAGS:-} \
  org.apache.zookeeper.server.persistence.TxnLogToolkit "$@"
