#!/usr/bin/env bash
# Shared environment of the zk*.sh launchers, with the variables of the official scripts:
# ZOOCFGDIR (or --config DIR), ZOOCFG, ZOO_LOG_DIR, ZOO_LOG_FILE, ZK_SERVER_HEAP and
# ZK_CLIENT_HEAP (MB), SERVER_JVMFLAGS, CLIENT_JVMFLAGS, JVMFLAGS, JAVA_HOME. As upstream,
# zookeeper-env.sh and java.env in the config directory are sourced. ZOOCFG ends up as the
# path of the configuration file (relative names are taken in ZOOCFGDIR).
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

if [ -f "$ZOOCFGDIR/zookeeper-env.sh" ]; then
  # shellcheck disable=SC1091
  . "$ZOOCFGDIR/zookeeper-env.sh"
fi
ZOOCFG=${ZOOCFG:-zoo.cfg}
case "$ZOOCFG" in
  /*) ;;
  *) ZOOCFG=$ZOOCFGDIR/$ZOOCFG ;;
esac

if [ -f "$ZOOCFGDIR/java.env" ]; then
  # shellcheck disable=SC1091
  . "$ZOOCFGDIR/java.env"
fi

ZOO_LOG_DIR=${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}
JAVA=java
if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java; fi

# Command-line tools log warnings to stderr only, so that their output stays readable.
ZOO_CLI_LOG_CONFIG=$ZOOCFGDIR/logback-cli.xml
[ -f "$ZOO_CLI_LOG_CONFIG" ] || ZOO_CLI_LOG_CONFIG=$ZOOKEEPER_PREFIX/conf/logback-cli.xml

CLASSPATH=$ZOOCFGDIR${CLASSPATH:+:$CLASSPATH}
for jar in "$ZOOKEEPER_PREFIX"/lib/*.jar; do
  CLASSPATH=$CLASSPATH:$jar
done
export ZOOBINDIR ZOOKEEPER_PREFIX ZOOCFGDIR ZOOCFG ZOO_LOG_DIR JAVA CLASSPATH ZK_ENV_SHIFT ZOO_CLI_LOG_CONFIG
