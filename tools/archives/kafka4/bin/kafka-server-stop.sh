#!/usr/bin/env bash
# kafka-server-stop.sh [--process-role=broker|controller|broker,controller] [--node-id=N]
# Sends SIGNAL (TERM unless set; the broker then shuts down in a controlled way) to the Kafka
# servers of this host: all of them, or those whose node.id or process.roles matches (node-id
# wins when both are given). Like upstream's, it finds every `kafka.Kafka` JVM the host shows,
# and exits 1 when there is none.
set -eu
signal=${SIGNAL:-TERM}
role=""
node_id=""
for arg in "$@"; do
  case "$arg" in
    --process-role=*) role=${arg#*=} ;;
    --node-id=*) node_id=${arg#*=} ;;
  esac
done
if [ -n "$role" ] && [ -n "$node_id" ]; then
  echo "When both node-id and process-role are provided, the value for node-id will take precedence"
fi

pids=$(pgrep -f 'java.* kafka\.Kafka ' || true)
if [ -z "$pids" ]; then
  echo "No kafka server to stop"
  exit 1
fi
if [ -z "$role" ] && [ -z "$node_id" ]; then
  # shellcheck disable=SC2086
  kill -s "$signal" $pids
  exit 0
fi

server_property() { # pid key: the key's value for that server: --override first, else its file
  local pid=$1 key=$2 config="" value="" after_main=false expect_override=false arg
  while IFS= read -r -d '' arg; do
    if ! $after_main; then
      [ "$arg" = kafka.Kafka ] && after_main=true
      continue
    fi
    if $expect_override; then
      case "$arg" in "$key="*) value=${arg#*=} ;; esac
      expect_override=false
    elif [ "$arg" = --override ]; then
      expect_override=true
    elif [ -z "$config" ]; then
      config=$arg
    fi
  done <"/proc/$pid/cmdline"
  if [ -n "$value" ]; then
    echo "$value"
    return
  fi
  # A relative path is relative to the directory the server was started from.
  case "$config" in /*) ;; *) config=/proc/$pid/cwd/$config ;; esac
  sed -n "s/^[[:space:]]*${key//./\\.}[[:space:]]*[=:][[:space:]]*//p" "$config" 2>/dev/null | tail -n 1 | tr -d '[:space:]'
}

for pid in $pids; do
  [ -r "/proc/$pid/cmdline" ] || continue
  if [ -n "$node_id" ]; then
    [ "$(server_property "$pid" node.id)" = "$node_id" ] || continue
  elif [ "$(server_property "$pid" process.roles)" != "$role" ]; then
    continue
  fi
  kill -s "$signal" "$pid" || true
done
