#!/usr/bin/env bash
# connect-distributed.sh [-daemon] connect-distributed.properties
# A Kafka Connect worker in distributed mode.
set -eu
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] connect-distributed.properties" >&2
  exit 1
fi
bin_dir=$(cd "$(dirname "$0")" && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$bin_dir/../config/connect-log4j2.yaml}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}
# EXTRA_ARGS replaces the launcher's own options, as upstream: set but empty means none.
read -r -a extra_args <<<"${EXTRA_ARGS--name connectDistributed}"
if [ "$1" = "-daemon" ]; then
  extra_args=(-daemon "${extra_args[@]}")
  shift
fi
exec "$bin_dir/kafka-run-class.sh" "${extra_args[@]}" org.apache.kafka.connect.cli.ConnectDistributed "$@"
