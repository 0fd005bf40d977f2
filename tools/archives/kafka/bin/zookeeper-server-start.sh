#!/usr/bin/env bash
# zookeeper-server-start.sh [-daemon] zookeeper.properties
# The single-node ZooKeeper bundled with Kafka; clusters use the ZooKeeper archive and the zookeeper role.
set -eu
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] zookeeper.properties" >&2
  exit 1
fi
bin_dir=$(cd "$(dirname "$0")" && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$bin_dir/../config/log4j.properties}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M}
# EXTRA_ARGS replaces the launcher's own options, as upstream: set but empty means none.
read -r -a extra_args <<<"${EXTRA_ARGS--name zookeeper -loggc}"
if [ "$1" = "-daemon" ]; then
  extra_args=(-daemon "${extra_args[@]}")
  shift
fi
exec "$bin_dir/kafka-run-class.sh" "${extra_args[@]}" org.apache.zookeeper.server.quorum.QuorumPeerMain "$@"
