#!/usr/bin/env bash
# Sends SIGTERM to every broker JVM on this host; the broker then performs a controlled shutdown.
set -eu
pids=$(pgrep -f 'java.* kafka\.Kafka ' || true)
if [ -z "$pids" ]; then
  echo "No kafka server to stop"
  exit 1
fi
# shellcheck disable=SC2086
kill -s TERM $pids
