#!/usr/bin/env bash
# zkCli.sh [--config DIR] [-server host:port[,host:port]] [command args...]
set -u
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"
# CLIENT_JVMFLAGS and JVMFLAGS hold several flags each: split them on purpose.
# shellcheck disable=SC2086
exec "$JAVA" "-Xmx${ZK_CLIENT_HEAP:-256}m" "-Dlogback.configurationFile=$ZOO_CLI_LOG_CONFIG" \
  ${CLIENT_JVMFLAGS:-} ${JVMFLAGS:-} -cp "$CLASSPATH" org.apache.zookeeper.ZooKeeperMain "$@"
