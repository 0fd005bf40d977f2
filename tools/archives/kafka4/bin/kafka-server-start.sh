#!/usr/bin/env bash
# kafka-server-start.sh [-daemon] server.properties [--override property=value]*
# Starts a KRaft node (broker, controller or both, as process.roles says) in the foreground, or
# in the background with -daemon. Its log directories must have been formatted first
# (kafka-storage.sh format).
set -eu
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
bin_dir=$(cd "$(dirname "$0")" && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$bin_dir/../config/log4j2.yaml}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
# EXTRA_ARGS replaces the launcher's own options, as upstream: set but empty means none.
read -r -a extra_args <<<"${EXTRA_ARGS--name kafkaServer -loggc}"
if [ "$1" = "-daemon" ]; then
  extra_args=(-daemon "${extra_args[@]}")
  shift
fi
exec "$bin_dir/kafka-run-class.sh" "${extra_args[@]}" kafka.Kafka "$@"
