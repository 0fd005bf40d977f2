#!/usr/bin/env bash
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.ConnectPluginPath "$@"
