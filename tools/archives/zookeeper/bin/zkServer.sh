#!/usr/bin/env bash
# zkServer.sh [--config DIR] {start|start-foreground|stop|restart|status|version|print-cmd} [zoo.cfg]
#
# As the official script: start runs the server in the background and writes its pid to
# ZOOPIDFILE (default DATADIR/zookeeper_server.pid), printing STARTED (0) or FAILED TO START
# (1, also when one is already running); stop signals that pid and exits 0, also when there
# is nothing to stop; status prints the server's Mode (0) or "Error contacting service" (1).
# start-foreground execs the JVM (what the roles' systemd unit runs). Honoured as upstream:
# ZOOPIDFILE, ZOO_LOG_DIR, ZOO_LOG_FILE, ZOO_DATADIR_AUTOCREATE_DISABLE, ZOO_NOEXEC, JMXPORT
# (with JMXAUTH, JMXSSL, JMXLOG4J, JMXHOSTNAME; JMXDISABLE), ZK_SERVER_HEAP, SERVER_JVMFLAGS,
# CLIENT_JVMFLAGS (status over TLS), JVMFLAGS. Beyond upstream, stop waits up to
# ZOO_STOP_TIMEOUT seconds (30) for the server to exit, and fails if it has not.
set -euo pipefail
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"

command=${1:-}
if [ -n "${2:-}" ]; then
  case "$2" in
    */*) ZOOCFG=$2 ;;
    *) ZOOCFG=$ZOOCFGDIR/$2 ;;
  esac
fi
echo "Using config: $ZOOCFG" >&2

cfg_value() { # key [file]: the last value of key in the config file
  sed -n "s/^[[:space:]]*${1//./\\.}[[:space:]]*=[[:space:]]*//p" "${2:-$ZOOCFG}" 2>/dev/null \
    | tail -n 1 | tr -d '[:space:]'
}

require_cfg() {
  if [ ! -f "$ZOOCFG" ]; then
    echo "Error: config file $ZOOCFG not found" >&2
    exit 1
  fi
}

ZOO_LOG_FILE=${ZOO_LOG_FILE:-zookeeper-$(id -un)-server-$(hostname).log}
daemon_out=$ZOO_LOG_DIR/zookeeper-$(id -un)-server-$(hostname).out
jvm_args=("-Xmx${ZK_SERVER_HEAP:-1000}m" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=$ZOO_LOG_FILE"
  -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p")
# SERVER_JVMFLAGS and JVMFLAGS hold several flags each: split them on purpose.
# shellcheck disable=SC2206
jvm_args+=(${SERVER_JVMFLAGS:-} ${JVMFLAGS:-})
main=(org.apache.zookeeper.server.quorum.QuorumPeerMain)
if [ -n "${JMXPORT:-}" ] && [ "${JMXDISABLE:-false}" = false ]; then
  echo "ZooKeeper remote JMX Port set to $JMXPORT" >&2
  main=(-Dcom.sun.management.jmxremote "-Dcom.sun.management.jmxremote.port=$JMXPORT"
    "-Dcom.sun.management.jmxremote.authenticate=${JMXAUTH:-false}"
    "-Dcom.sun.management.jmxremote.ssl=${JMXSSL:-false}"
    "-Dzookeeper.jmx.log4j.disable=${JMXLOG4J:-true}" "${main[@]}")
  if [ -n "${JMXHOSTNAME:-}" ]; then
    main=("-Djava.rmi.server.hostname=$JMXHOSTNAME" "${main[@]}")
  fi
fi

data_dir() { cfg_value dataDir; }

pid_file() {
  local dir
  dir=$(data_dir)
  echo "${ZOOPIDFILE:-${dir:-/tmp}/zookeeper_server.pid}"
}

# Refuses to start on missing data when asked to (a replaced disk must not come up empty).
check_autocreate() {
  local data_log_dir
  [ -n "${ZOO_DATADIR_AUTOCREATE_DISABLE:-}" ] || return 0
  data_log_dir=$(cfg_value dataLogDir)
  if [ ! -d "$(data_dir)/version-2" ]; then
    echo "ZooKeeper data directory is missing at $(data_dir) fix the path or run initialize"
    exit 1
  fi
  if [ -n "$data_log_dir" ] && [ ! -d "$data_log_dir/version-2" ]; then
    echo "ZooKeeper txnlog directory is missing at $data_log_dir fix the path or run initialize"
    exit 1
  fi
  jvm_args=(-Dzookeeper.datadir.autocreate=false "${jvm_args[@]}")
}

is_zookeeper() { # pid: is that process alive and a ZooKeeper server (not a recycled pid)?
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'QuorumPeerMain'
}

# Where clients reach this server, found as upstream does: clientPort, else this server's
# line (server.MYID=...;[address:]port) in the static or dynamic configuration, else the
# secure client port. Sets port, address and ssl.
find_client_port() {
  local myid dynamic line
  ssl=false
  address=$(cfg_value clientPortAddress)
  port=$(cfg_value clientPort)
  if ! [[ "$port" =~ ^[0-9]+$ ]]; then
    port=""
    myid=$(tr -d '[:space:]' <"$(data_dir)/myid" 2>/dev/null || true)
    if [[ "$myid" =~ ^[0-9]+$ ]]; then
      line=$(cfg_value "server.$myid")
      if [[ "$line" != *";"* ]]; then
        dynamic=$(cfg_value dynamicConfigFile)
        [ -z "$dynamic" ] || line=$(cfg_value "server.$myid" "$dynamic")
      fi
      if [[ "$line" == *";"* ]]; then
        line=${line##*;}
        port=${line##*:}
        if [[ "$line" == *:* ]]; then
          address=${line%:*}
          address=${address#[}
          address=${address%]}
        fi
      fi
    else
      echo "myid could not be determined, will not able to locate clientPort in the server configs."
    fi
  fi
  if [ -z "$port" ]; then
    port=$(cfg_value secureClientPort)
    if [ -z "$port" ]; then
      echo "Unable to find either secure or unsecure client port in any configs. Terminating."
      exit 1
    fi
    ssl=true
    address=$(cfg_value secureClientPortAddress)
  fi
  address=${address:-localhost}
}

four_letter_word() { # address port word: the server's answer on stdout
  local line=""
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf '%s' "$3" >&3
  while IFS= read -r -t 5 line <&3 || [ -n "$line" ]; do
    printf '%s\n' "$line"
  done
  exec 3<&-
}

# The admin server's view of the same (admin.enableServer is on by default), for servers
# whose four-letter words are shut off or whose client port speaks TLS only.
admin_server_mode() {
  local admin_port admin_address url line=""
  [ "$(cfg_value admin.enableServer)" != false ] || return 1
  admin_port=$(cfg_value admin.serverPort)
  admin_address=$(cfg_value admin.serverAddress)
  case "${admin_address:-0.0.0.0}" in 0.0.0.0|::|'[::]') admin_address=127.0.0.1 ;; esac
  url=$(cfg_value admin.commandURL)
  exec 4<>"/dev/tcp/$admin_address/${admin_port:-8080}" 2>/dev/null || return 1
  printf 'GET %s/srvr HTTP/1.0\r\nHost: %s\r\n\r\n' "${url:-/commands}" "$admin_address" >&4
  while IFS= read -r -t 5 line <&4 || [ -n "$line" ]; do
    if [[ "$line" =~ \"server_state\"[[:space:]]*:[[:space:]]*\"([a-z-]+)\" ]]; then
      echo "Mode: ${BASH_REMATCH[1]}"
      exec 4<&-
      return 0
    fi
  done
  exec 4<&-
  return 1
}

case "$command" in
  start-foreground)
    require_cfg
    check_autocreate
    mkdir -p "$ZOO_LOG_DIR"
    if [ -n "${ZOO_NOEXEC:-}" ]; then
      "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "${main[@]}" "$ZOOCFG"
    else
      exec "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "${main[@]}" "$ZOOCFG"
    fi
    ;;
  start)
    require_cfg
    printf 'Starting zookeeper ... '
    check_autocreate
    pidfile=$(pid_file)
    mkdir -p "$(dirname "$pidfile")" "$ZOO_LOG_DIR"
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      if is_zookeeper "$pid"; then
        echo "zookeeper already running as process $pid."
        exit 1
      fi
    fi
    nohup "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "${main[@]}" "$ZOOCFG" >"$daemon_out" 2>&1 </dev/null &
    pid=$!
    if ! printf '%s' "$pid" >"$pidfile"; then
      echo "FAILED TO WRITE PID"
      exit 1
    fi
    # The same check as upstream: a server that does not survive its first second (bad
    # configuration, port in use) is reported here; its reasons are in $daemon_out.
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then
      echo "STARTED"
    else
      rm -f "$pidfile"
      echo "FAILED TO START"
      exit 1
    fi
    ;;
  stop)
    require_cfg
    printf 'Stopping zookeeper ... '
    pidfile=$(pid_file)
    if [ ! -f "$pidfile" ]; then
      echo "no zookeeper to stop (could not find file $pidfile)"
      exit 0
    fi
    pid=$(cat "$pidfile")
    if ! is_zookeeper "$pid"; then
      rm -f "$pidfile"
      echo "STOPPED (no zookeeper was running as process $pid; removed $pidfile)"
      exit 0
    fi
    kill "$pid"
    deadline=$((SECONDS + ${ZOO_STOP_TIMEOUT:-30}))
    while is_zookeeper "$pid"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "FAILED: process $pid still running ${ZOO_STOP_TIMEOUT:-30} s after SIGTERM"
        exit 1
      fi
      sleep 0.2
    done
    rm -f "$pidfile"
    echo "STOPPED"
    ;;
  restart)
    "$0" --config "$ZOOCFGDIR" stop "$ZOOCFG"
    exec "$0" --config "$ZOOCFGDIR" start "$ZOOCFG"
    ;;
  status)
    require_cfg
    find_client_port
    echo "Client port found: $port. Client address: $address. Client SSL: $ssl."
    mode=""
    if [ "$ssl" = true ]; then
      # TLS needs the client's key material: CLIENT_JVMFLAGS carries it, as upstream.
      # shellcheck disable=SC2086
      mode=$("$JAVA" "-Dlogback.configurationFile=$ZOO_CLI_LOG_CONFIG" -cp "$CLASSPATH" \
        ${CLIENT_JVMFLAGS:-} ${JVMFLAGS:-} org.apache.zookeeper.client.FourLetterWordMain \
        "$address" "$port" srvr true 2>/dev/null | grep '^Mode:' || true)
    else
      mode=$(four_letter_word "$address" "$port" srvr 2>/dev/null | grep '^Mode:' || true)
    fi
    [ -n "$mode" ] || mode=$(admin_server_mode || true)
    if [ -z "$mode" ]; then
      echo "Error contacting service. It is probably not running."
      exit 1
    fi
    echo "$mode"
    ;;
  version)
    exec "$JAVA" "-Dlogback.configurationFile=$ZOO_CLI_LOG_CONFIG" -cp "$CLASSPATH" org.apache.zookeeper.version.VersionInfoMain
    ;;
  print-cmd)
    printf '%q ' "$JAVA" "${jvm_args[@]}" -cp "$CLASSPATH" "${main[@]}" "$ZOOCFG"
    echo
    ;;
  *)
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|restart|status|version|print-cmd} [zoo.cfg]" >&2
    exit 1
    ;;
esac
