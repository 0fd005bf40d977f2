#!/usr/bin/env bash
# Shared environment of zkServer.sh and zkCli.sh, with the variables of the official scripts:
# ZOOCFGDIR (or --config DIR), ZOOCFG, ZOO_LOG_DIR, ZOO_LOG_FILE, ZK_SERVER_HEAP and
# ZK_CLIENT_HEAP (MB), SERVER_JVMFLAGS, CLIENT_JVMFLAGS, JVMFLAGS, JAVA_HOME. A java.env in
# the config directory is sourced, as upstream does.
ZOOBINDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZOOKEEPER_PREFIX=$(cd "$ZOOBINDIR/.." && pwd)

if [ "${1:-}" = "--config" ]; then
  if [ -z "${2:-}" ] || [ ! -d "$2" ]; then
    echo "Error: --config needs an existing directory" >&2
    exit 1
  fi
  ZOOCFGDIR=$(cd "$2" && pwd)
  ZK_ENV_SHIFT=2
else
  ZOOCFGDIR=${ZOOCFGDIR:-$ZOOKEEPER_PREFIX/conf}
  ZK_ENV_SHIFT=0
fi
ZOOCFG=${ZOOCFG:-zoo.cfg}

if [ -f "$ZOOCFGDIR/java.env" ]; then
  # shellcheck disable=SC1091
  . "$ZOOCFGDIR/java.env"
fi

ZOO_LOG_DIR=${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}
JAVA=java
if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java; fi

CLASSPATH=$ZOOCFGDIR${CLASSPATH:+:$CLASSPATH}
for jar in "$ZOOKEEPER_PREFIX"/lib/*.jar; do
  CLASSPATH=$CLASSPATH:$jar
done
export ZOOBINDIR ZOOKEEPER_PREFIX ZOOCFGDIR ZOOCFG ZOO_LOG_DIR JAVA CLASSPATH ZK_ENV_SHIFT
