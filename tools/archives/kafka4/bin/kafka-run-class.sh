#!/usr/bin/env bash
# Runs a Java main class on the Kafka 4.x classpath. Honours the environment variables of the
# official launcher (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS,
# KAFKA_JMX_OPTS, JMX_PORT, KAFKA_LOG4J_OPTS, LOG_DIR, KAFKA_OPTS, KAFKA_DEBUG, JAVA_DEBUG_PORT,
# JAVA_DEBUG_OPTS, DEBUG_SUSPEND_FLAG, INCLUDE_TEST_JARS, CLASSPATH, JAVA_HOME) so the roles
# drive this archive and the official one the same way. Kafka 4.x needs Java 17 or newer.
set -eu

usage() {
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
}
[ $# -ge 1 ] || usage

base_dir=$(cd "$(dirname "$0")/.." && pwd)
daemon_mode=false
gc_log_enabled=false
daemon_name=""
while [ $# -gt 0 ]; do
  case "$1" in
    -name) [ $# -ge 2 ] || usage; daemon_name=$2; shift 2 ;;
    -loggc) gc_log_enabled=true; shift ;;
    -daemon) daemon_mode=true; shift ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage

# connect-file is a Connect plugin: like the official launcher, leave it to plugin.path so
# that it loads in its own class loader, and leave out jars that are not code.
classpath=${CLASSPATH:-}
for jar in "$base_dir"/libs/*; do
  if [ "${INCLUDE_TEST_JARS:-false}" != true ]; then
    case "${jar##*/}" in
      *-test.jar|*-test-sources.jar|*-src.jar|*-sources.jar|*-scaladoc.jar|*-javadoc.jar|*.jar.asc|connect-file*.jar) continue ;;
    esac
  fi
  classpath=${classpath:+$classpath:}$jar
done

LOG_DIR=${LOG_DIR:-$base_dir/logs}

heap_opts=${KAFKA_HEAP_OPTS:--Xmx256M}
perf_opts=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}
gc_opts=${KAFKA_GC_LOG_OPTS:-}
if [ -z "$gc_opts" ] && $gc_log_enabled; then
  gc_opts="-Xlog:gc*:file=$LOG_DIR/$daemon_name-gc.log:time,tags:filecount=10,filesize=100M"
fi
jmx_opts=${KAFKA_JMX_OPTS:--Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false}
if [ -n "${JMX_PORT:-}" ]; then
  jmx_opts="$jmx_opts -Dcom.sun.management.jmxremote.port=$JMX_PORT"
  # A fixed RMI port (the JMX port itself) is what lets JMX through a firewall or a container.
  case "$jmx_opts" in
    *-Dcom.sun.management.jmxremote.rmi.port=*) ;;
    *) jmx_opts="$jmx_opts -Dcom.sun.management.jmxremote.rmi.port=$JMX_PORT" ;;
  esac
fi

# Kafka 4.x logs through Log4j 2, which ignores -Dlog4j.configuration: tools default to
# config/tools-log4j2.yaml (warnings on stderr). A Log4j 1 file still works for now through
# log4j-1.2-api in Log4j 2's compatibility mode, with the official launcher's warning.
# Tools log to the console; only services (their own log4j file, -daemon or a GC log) write to
# LOG_DIR, so a tool run by a user who cannot write there still works.
if [ -n "${KAFKA_LOG4J_OPTS:-}" ] || $daemon_mode || [ -n "$gc_opts" ]; then
  mkdir -p "$LOG_DIR"
fi
log4j_opts=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml}
if grep -Eq 'log4j\.[^[:space:]]+(\.properties|\.xml)$' <<<"$log4j_opts"; then
  export LOG4J_COMPATIBILITY=true
  echo "DEPRECATED: KAFKA_LOG4J_OPTS names a Log4j 1.x configuration ($log4j_opts);" \
    "Kafka 4.x reads it in Log4j 2's compatibility mode only. Move to a Log4j 2 file:" \
    "$base_dir/config/log4j2.yaml and tools-log4j2.yaml show the shape." >&2
fi
log4j_opts="-Dkafka.logs.dir=$LOG_DIR $log4j_opts"

extra_opts=${KAFKA_OPTS:-}
if [ -n "${KAFKA_DEBUG:-}" ]; then
  debug_opts=${JAVA_DEBUG_OPTS:--agentlib:jdwp=transport=dt_socket,server=y,suspend=${DEBUG_SUSPEND_FLAG:-n},address=${JAVA_DEBUG_PORT:-5005}}
  echo "Enabling Java debug options: $debug_opts"
  extra_opts="$debug_opts $extra_opts"
fi

java_bin=java
if [ -n "${JAVA_HOME:-}" ]; then
  java_bin=$JAVA_HOME/bin/java
fi

# Word splitting of the option strings is intended: each holds several JVM flags.
# shellcheck disable=SC2086
if $daemon_mode; then
  console_out=$LOG_DIR/${daemon_name:-kafka}.out
  nohup "$java_bin" $heap_opts $perf_opts $gc_opts $jmx_opts $log4j_opts -cp "$classpath" $extra_opts "$@" >"$console_out" 2>&1 </dev/null &
else
  exec "$java_bin" $heap_opts $perf_opts $gc_opts $jmx_opts $log4j_opts -cp "$classpath" $extra_opts "$@"
fi
