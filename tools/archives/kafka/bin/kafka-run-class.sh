#!/usr/bin/env bash
# Runs a Java main class on the Kafka classpath. Honours the environment variables of the
# official launcher (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS,
# KAFKA_JMX_OPTS, JMX_PORT, KAFKA_LOG4J_OPTS, LOG_DIR, KAFKA_OPTS, JAVA_HOME) so the roles
# drive this archive and the official one the same way.
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

classpath=${CLASSPATH:-}
for jar in "$base_dir"/libs/*.jar; do
  case "$jar" in
    *-sources.jar|*-javadoc.jar|*-test.jar|*-test-sources.jar|*-scaladoc.jar) continue ;;
  esac
  classpath=${classpath:+$classpath:}$jar
done

LOG_DIR=${LOG_DIR:-$base_dir/logs}
mkdir -p "$LOG_DIR"

heap_opts=${KAFKA_HEAP_OPTS:--Xmx256M}
perf_opts=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}
gc_opts=""
if $gc_log_enabled && [ -n "$daemon_name" ]; then
  gc_opts=${KAFKA_GC_LOG_OPTS:--Xlog:gc*:file=$LOG_DIR/$daemon_name-gc.log:time,tags:filecount=10,filesize=100M}
fi
jmx_opts=${KAFKA_JMX_OPTS:--Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false}
if [ -n "${JMX_PORT:-}" ]; then
  jmx_opts="$jmx_opts -Dcom.sun.management.jmxremote.port=$JMX_PORT"
fi
log4j_opts=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties}
log4j_opts="-Dkafka.logs.dir=$LOG_DIR $log4j_opts"

java_bin=java
if [ -n "${JAVA_HOME:-}" ]; then
  java_bin=$JAVA_HOME/bin/java
fi

# Word splitting of the option strings is intended: each holds several JVM flags.
# shellcheck disable=SC2086
if $daemon_mode; then
  console_out=$LOG_DIR/${daemon_name:-kafka}.out
  nohup "$java_bin" $heap_opts $perf_opts $gc_opts $jmx_opts $log4j_opts -cp "$classpath" ${KAFKA_OPTS:-} "$@" >"$console_out" 2>&1 </dev/null &
else
  exec "$java_bin" $heap_opts $perf_opts $gc_opts $jmx_opts $log4j_opts -cp "$classpath" ${KAFKA_OPTS:-} "$@"
fi
