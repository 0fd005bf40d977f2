#!/usr/bin/env bash
# zookeeper-server-stop.sh: sends SIGNAL (TERM unless set) to every ZooKeeper server JVM
# (QuorumPeerMain) this host shows, as upstream's does; exits 1 when there is none.
set -eu
pids=$(pgrep -f 'java.*QuorumPeerMain' || true)
if [ -z "$pids" ]; then
  echo "No zookeeper server to stop"
  exit 1
fi
# shellcheck disable=SC2086
kill -s "${SIGNAL:-TERM}" $pids
