#!/usr/bin/env bash
# zkServer.sh [--config DIR] {start|start-foreground|stop|restart|status|version|print-cmd} [zoo.cfg]
set -u
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"

command=${1:-}
if [ -n "${2:-}" ]; then
  case "$2" in
    /*) ZOOCFG=$2 ;;
    *) ZOOCFG=$ZOOCFGDIR/$2 ;;
  esac
elif [ "${ZOOCFG#/}" = "$ZOOCFG" ]; then
  ZOOCFG=$ZOOCFGDIR/$ZOOCFG
fi

cfg_value() { # key: the last value of key in the config file
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ZOOCFG" | tail -n 1 | tr -d '[:space:]'
}

ZOO_LOG_FILE=${ZOO_LOG_FILE:-zookeeper-$(id -un)-server-$(hostname).log}
heap=${ZK_SERVER_HEAP:-1000}
main_class=org.apache.zookeeper.server.quorum.QuorumPeerMain
jvm_args=("-Xmx${heap}m" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=$ZOO_LOG_FILE"
  -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p")
# SERVER_JVMFLAGS and JVMFLAGS hold several flags each: split them on purpose.
# shellcheck disable=SC2206
jvm_args+=(${SERVER_JVMFLAGS:-} ${JVMFLAGS:-})

pid_file() {
  local data_dir
  data_dir=$(cfg_value dataDir)
  echo "${ZOOPIDFILE:-${data_dir:-/tmp}/zookeeper_server.pid}"
}

require_cfg() {
  if [ ! -f "$ZOOCFG" ]; then
    echo "Error: config file $ZOOCFG not found" >&2
    exit 1
  fi
}

four_letter_word() { # word: sends a four-letter word to the local client port
  local port address
  port=$(cfg_value clientPort)
  address=$(cfg_value clientPortAddress)
  exec 3<>"/dev/tcp/${address:-127.0.0.1}/${port:-2181}" || return 1
  printf '%s' "$1" >&3
  cat <&3
  exec 3<&-
}

case "$command" in
  start-foreground)
    require_cfg
    mkdir -p "$ZOO_LOG_DIR"
    exec "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "$main_class" "$ZOOCFG"
    ;;
  start)
    require_cfg
    mkdir -p "$ZOO_LOG_DIR"
    nohup "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "$main_class" "$ZOOCFG" \
      >"$ZOO_LOG_DIR/zookeeper-$(id -un)-server-$(hostname).out" 2>&1 </dev/null &
    echo $! >"$(pid_file)"
    echo "STARTED"
    ;;
  stop)
    require_cfg
    pidfile=$(pid_file)
    if [ ! -f "$pidfile" ]; then
      echo "no zookeeper to stop (could not find file $pidfile)"
      exit 1
    fi
    kill "$(cat "$pidfile")" && rm -f "$pidfile"
    echo "STOPPED"
    ;;
  restart)
    "$0" --config "$ZOOCFGDIR" stop "$ZOOCFG"
    sleep 3
    exec "$0" --config "$ZOOCFGDIR" start "$ZOOCFG"
    ;;
  status)
    require_cfg
    if ! reply=$(four_letter_word srvr 2>/dev/null) || [ -z "$reply" ]; then
      echo "Error contacting service. It is probably not running." >&2
      exit 1
    fi
    echo "Client port found: $(cfg_value clientPort)."
    echo "$reply" | grep '^Mode:'
    ;;
  version)
    exec "$JAVA" -cp "$CLASSPATH" org.apache.zookeeper.version.VersionInfoMain
    ;;
  print-cmd)
    printf '%q ' "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "$main_class" "$ZOOCFG"
    echo
    ;;
  *)
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|restart|status|version|print-cmd} [zoo.cfg]" >&2
    exit 1
    ;;
esac
