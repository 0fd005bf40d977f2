#!/usr/bin/env bash
# Checks the built archives against the official ones and runs them on loopback, so that a
# broken archive fails here and not halfway through a molecule run:
#  - every archive's bin/ holds every launcher of the official bin/ (tests/archives/*-bin.txt;
#    Windows launchers aside), a 4.x archive's config/ every file of the official config/
#    (*-config.txt), the ZooKeeper lib/ every jar of the official lib/, and the main class of
#    every launcher is in the archive's jars (but those *-absent.txt lists as not to be had);
#  - a one-node ZooKeeper started as the roles' unit starts it (start-foreground), with the
#    admin server and the Prometheus metrics provider on, answers zkServer.sh status, the
#    admin server's ruok and /metrics;
#  - a second ZooKeeper goes through zkServer.sh start / status / stop as a forking service;
#  - a broker on that ZooKeeper creates a topic, moves a message through the console tools,
#    and the newer launchers run against it for real (kafka-storage, kafka-features,
#    kafka-acls, the perf tests, kafka-dump-log, zkCli);
#  - a 4.x archive (KRaft only): one node that is broker and controller, formatted with a
#    dynamic quorum of itself (kafka-storage.sh format --standalone) from the archive's own
#    config/server.properties, starts with a small heap and logs through Log4j 2 into
#    server.log and controller.log; it creates a topic, moves a message through the console
#    tools, answers kafka-metadata-quorum.sh describe --status, kafka-features.sh describe,
#    kafka-configs.sh and kafka-dump-log.sh, and stops on SIGTERM; a tool given a Log4j 1
#    file (as 3.x deployments have) still logs through it, with the launcher's warning;
#  - that node also has an SSL and a SASL_SSL (SCRAM-SHA-512) listener with PEM stores made by
#    smoke_security.py, the SCRAM user added at format time: the verifier (kafka_verify) passes
#    over SSL with --ca-file and over SASL_SSL with --command-config, refuses a CA that did not
#    sign the node's certificate and a wrong password with a one-line reason, never shows a
#    password; kafka-topics.sh reads the same --command-config file.
# Ports are free loopback ports picked at random (the KRaft node's in 19100-19899 and
# 29100-29899). Needs java and python3 on PATH, and for the KRaft node a Python with
# kafka-python and cryptography: SMOKE_PYTHON, else the repository's .venv (make setup).
# Prints the time of each phase; bounded (every wait and every tool has a time limit). Stops
# only the processes it started, by their pids.
#
# Usage: tools/archives/smoke-test.sh [MIRROR_DIR]
# Versions as build.sh, less 4.3.1 (only the KRaft upgrade test's starting point; no official
# list of its bin/ is kept, so only its launchers' classes are checked: KAFKA_CLASS_ONLY_VERSIONS,
# 4.3.1): KAFKA_VERSIONS (3.9.2 3.9.1 4.4.0; ZooKeeper and the ZooKeeper-mode
# broker run with the first 3.x version and are left out when none is given, the KRaft node
# runs the first 4.x version), KAFKA_SCALA_VERSION (2.13), ZOOKEEPER_VERSION (3.8.6).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lists=$(cd "$here/../../tests/archives" && pwd)
mirror=${1:-$here/../../build/mirror}
read -r -a kafka_versions <<<"${KAFKA_VERSIONS:-${KAFKA_VERSION:-3.9.2 3.9.1 4.4.0}}"
zk_mode_versions=() kraft_versions=()
for version in "${kafka_versions[@]}"; do
  case "$version" in
    [0-3].*) zk_mode_versions+=("$version") ;;
    *) kraft_versions+=("$version") ;;
  esac
done
kafka_version=${zk_mode_versions[0]:-}
kraft_version=${kraft_versions[0]:-}
scala_version=${KAFKA_SCALA_VERSION:-2.13}
zookeeper_version=${ZOOKEEPER_VERSION:-3.8.6}

for tool in java python3 tar timeout; do
  command -v "$tool" >/dev/null || { echo "smoke-test: '$tool' is missing (Debian: openjdk-17-jre-headless, python3, tar, coreutils)" >&2; exit 2; }
done
work=$(mktemp -d)
pids=() # tools running in the background
broker_pid=""
zk_pid=""
kraft_pid=""
zk2_pidfile=$work/zk2data/zookeeper_server.pid

stop_pids() { # pid...: SIGTERM, up to 20 s to exit, then SIGKILL
  local pid deadline=$((SECONDS + 20))
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# Ends what this test started, by pid: tools first, then the KRaft node, then the broker while
# ZooKeeper still answers (its controlled shutdown waits for ZooKeeper), then the ZooKeepers;
# the forking one is not a child of this shell and is found through its pid file.
cleanup() {
  stop_pids "${pids[@]}"
  stop_pids ${kraft_pid:+"$kraft_pid"}
  stop_pids $broker_pid
  if [ -f "$zk2_pidfile" ]; then stop_pids "$(cat "$zk2_pidfile")"; fi
  stop_pids $zk_pid
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke-test: FAILED: $1" >&2
  for log in "$work"/*.log "$work"/zklog/*.log "$work"/kafka-run/server.log "$work"/kraft-run/server.log; do
    [ -s "$log" ] || continue
    echo "--- last lines of ${log#"$work"/}" >&2
    tail -n 15 "$log" >&2
  done
  exit 1
}

now_ds() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 100000)); } # tenths of a second
test_start=$(now_ds)
phase_start=$test_start
phase_done() { # name: prints how long the phase that ends here took
  local now d
  now=$(now_ds)
  d=$((now - phase_start))
  printf 'smoke-test: %-44s %4d.%d s\n' "$1" $((d / 10)) $((d % 10))
  phase_start=$now
}

used_ports=" "
pick_port() { # variable [first count]: sets it to a loopback port in first..first+count-1
  local port _ # (20000..31999 unless given) that nothing listens on, nor picked before
  for _ in $(seq 200); do
    port=$((${2:-20000} + RANDOM % ${3:-12000}))
    case "$used_ports" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports="$used_ports$port "
      printf -v "$1" '%s' "$port"
      return
    fi
  done
  fail "found no free loopback port"
}

wait_for_port() { # port what seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "$2 did not listen on 127.0.0.1:$1 within $3 s"
    sleep 0.2
  done
}

http_get() { # port path: the whole HTTP response (no curl on minimal hosts)
  local line=""
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  while IFS= read -r -t 10 line <&3 || [ -n "$line" ]; do printf '%s\n' "${line%$'\r'}"; done
  exec 3<&-
}

expect() { # what text pattern: fails unless the text holds the (grep -E) pattern
  grep -Eq -- "$3" <<<"$2" || fail "$1: expected /$3/ in: $(tail -n 5 <<<"$2")"
}

list_entries() { grep -v '^#' "$1" | sed '/^[[:space:]]*$/d'; }

run_bg() { # name seconds command...: runs it in the background, output in $work/name.out
  local name=$1 seconds=$2
  shift 2
  timeout "$seconds" "$@" >"$work/$name.out" 2>&1 &
  pids+=("$!")
  printf -v "${name//-/_}_pid" '%s' "$!"
}
finish() { # name: waits for it; prints nothing, returns its exit code
  local var="${1//-/_}_pid"
  wait "${!var}"
}
output() { cat "$work/$1.out"; }

# Fails when dir lacks an entry of the official list (Windows launchers are not carried);
# entries the official archive does not have are shown, not refused.
compare_bin() { # archive_dir list_file
  local entry missing=() extra=() official
  official=$(list_entries "$2")
  while IFS= read -r entry; do
    case "$entry" in *.cmd|windows/) continue ;; esac
    [ -e "$1/bin/$entry" ] || missing+=("$entry")
  done <<<"$official"
  for entry in "$1"/bin/*; do
    entry=${entry##*/}
    [ -d "$1/bin/$entry" ] && entry=$entry/
    grep -qxF -- "$entry" <<<"$official" || extra+=("$entry")
  done
  [ ${#extra[@]} -eq 0 ] || echo "smoke-test: ${1##*/}/bin/ has launchers the official one has not: ${extra[*]}"
  [ ${#missing[@]} -eq 0 ] || fail "${1##*/}/bin/ lacks launchers of the official bin/ ($(basename "$2")): ${missing[*]}"
}

# Fails when dir's config/ lacks a file of the official list; extra files are shown.
compare_config() { # archive_dir list_file
  local entry missing=() extra=() official
  official=$(list_entries "$2")
  while IFS= read -r entry; do
    [ -e "$1/config/$entry" ] || missing+=("$entry")
  done <<<"$official"
  for entry in "$1"/config/*; do
    entry=${entry##*/}
    grep -qxF -- "$entry" <<<"$official" || extra+=("$entry")
  done
  [ ${#extra[@]} -eq 0 ] || echo "smoke-test: ${1##*/}/config/ has files the official one has not: ${extra[*]}"
  [ ${#missing[@]} -eq 0 ] || fail "${1##*/}/config/ lacks files of the official config/ ($(basename "$2")): ${missing[*]}"
}

# The main classes the launchers name, each looked up in the archive's jars; those of the
# absent list (launcher, class, jar: classes the archive is known not to carry) are reported,
# and fail only once they are there after all.
check_launcher_classes() { # archive_dir jar_dir [absent_list]
  python3 - "$1" "$2" "${3:-}" <<'PY' || fail "launcher classes missing in ${1##*/}/$2 (listed above)"
import glob, re, sys, zipfile
home, jars, absent_list = sys.argv[1], sys.argv[2], sys.argv[3]
classes = set()
for jar in glob.glob(f"{home}/{jars}/*.jar"):
    with zipfile.ZipFile(jar) as z:
        classes.update(n[:-6].replace("/", ".") for n in z.namelist() if n.endswith(".class"))
wanted = {}
for script in sorted(glob.glob(home + "/bin/*.sh")):
    text = open(script).read()
    for name in re.findall(r"\b((?:org\.apache|kafka)\.(?:[a-z]\w*\.)*[A-Z]\w*)\b", text):
        wanted.setdefault(name, script.rsplit("/", 1)[1])
absent = {}
if absent_list:
    for line in open(absent_list):
        if line.strip() and not line.startswith("#"):
            _, name, jar = line.split()
            absent[name] = jar
missing = sorted(n for n in wanted if n not in classes and n not in absent)
for name in missing:
    print(f"smoke-test: {wanted[name]} runs {name}, which no jar in {jars}/ holds", file=sys.stderr)
there = sorted(n for n in absent if n in classes)
for name in there:
    print(f"smoke-test: {name} is listed as absent ({absent_list}) but {jars}/ holds it", file=sys.stderr)
known = sorted({f"{wanted[n]} ({absent[n]})" for n in absent if n in wanted and n not in classes})
found = len([n for n in wanted if n in classes])
print(f"smoke-test: {home.rsplit('/', 1)[1]}: the {found} classes its launchers run are in {jars}/"
      + (f"; known to be absent: {', '.join(known)}" if known else ""))
sys.exit(1 if missing or there or not wanted else 0)
PY
}

# --- Phase 1: the archives against the official lists -----------------------------------
zk_archive=$mirror/zookeeper/zookeeper-$zookeeper_version/apache-zookeeper-$zookeeper_version-bin.tar.gz
tar -C "$work" -xzf "$zk_archive" || fail "cannot unpack $zk_archive"
zookeeper=$work/apache-zookeeper-$zookeeper_version-bin
compare_bin "$zookeeper" "$lists/zookeeper-3.8-bin.txt"
check_launcher_classes "$zookeeper" lib
missing_jars=$(comm -23 <(list_entries "$lists/zookeeper-3.8-lib.txt" | sort) \
  <(for jar in "$zookeeper"/lib/*.jar; do jar=${jar##*/}; echo "${jar%-[0-9]*.jar}"; done | sort -u))
[ -z "$missing_jars" ] || fail "ZooKeeper lib/ lacks jars of the official lib/: $(tr '\n' ' ' <<<"$missing_jars")"
# unpack_kafka VERSION: unpacks the version's archive; sets home (its directory) and list (the
# prefix of its minor release's lists, kafka-3.9-* or kafka-4.4-*).
unpack_kafka() {
  local archive=$mirror/kafka/$1/kafka_$scala_version-$1.tgz
  home=$work/kafka_$scala_version-$1
  list=$lists/kafka-${1%.*}
  [ -f "$archive" ] || fail "no archive for Kafka $1: $archive (tools/archives/build.sh builds it)"
  tar -C "$work" -xzf "$archive" || fail "cannot unpack $archive"
}
# launcher_classes_of_unpacked: every launcher of $home finds its class, but those the minor
# release's absent list names.
launcher_classes_of_unpacked() {
  local absent=""
  if [ -f "$list-absent.txt" ]; then absent=$list-absent.txt; fi
  check_launcher_classes "$home" libs "$absent"
}
for version in "${kafka_versions[@]}"; do
  unpack_kafka "$version"
  [ -f "$list-bin.txt" ] || fail "no official bin/ list for Kafka $version: $list-bin.txt"
  compare_bin "$home" "$list-bin.txt"
  if [ -f "$list-config.txt" ]; then compare_config "$home" "$list-config.txt"; fi
  launcher_classes_of_unpacked
done
# Releases built without an official list (the KRaft upgrade test's starting point): every
# launcher must still find its class, so that the recipe's launchers fit that release's jars.
read -r -a class_only_versions <<<"${KAFKA_CLASS_ONLY_VERSIONS-4.3.1}"
for version in "${class_only_versions[@]}"; do
  unpack_kafka "$version"
  launcher_classes_of_unpacked
done
phase_done "archives match the official bin/, config/ and lib/"

# ZooKeeper, and a ZooKeeper-mode broker of the first 3.x version.
zookeeper_mode() {
  local kafka=$work/kafka_$scala_version-$kafka_version
  # --- Phase 2: ZooKeeper as the roles run it, admin server and metrics on -----------------
  zk_port=${SMOKE_ZK_PORT:-}
  broker_port=${SMOKE_BROKER_PORT:-}
  used_ports=" $zk_port $broker_port "
  [ -n "$zk_port" ] || pick_port zk_port
  [ -n "$broker_port" ] || pick_port broker_port
  zk_admin_port="" zk_metrics_port="" zk2_port="" closed_port=""
  pick_port zk_admin_port
  pick_port zk_metrics_port
  pick_port zk2_port
  pick_port closed_port
  mkdir -p "$work/zkconf" "$work/zkdata" "$work/zk2conf" "$work/zk2data" "$work/kafka-logs"
  cp "$zookeeper/conf/logback.xml" "$work/zkconf/"
  cp "$zookeeper/conf/logback.xml" "$work/zk2conf/"
  cat >"$work/zkconf/zoo.cfg" <<CFG
dataDir=$work/zkdata
clientPort=$zk_port
clientPortAddress=127.0.0.1
4lw.commands.whitelist=srvr,ruok
admin.enableServer=true
admin.serverAddress=127.0.0.1
admin.serverPort=$zk_admin_port
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpHost=127.0.0.1
metricsProvider.httpPort=$zk_metrics_port
CFG
  cat >"$work/zk2conf/zoo.cfg" <<CFG
dataDir=$work/zk2data
clientPort=$zk2_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
CFG
  ZOO_LOG_DIR=$work/zklog ZK_SERVER_HEAP=128 "$zookeeper/bin/zkServer.sh" --config "$work/zkconf" start-foreground \
    >"$work/zookeeper-console.log" 2>&1 &
  zk_pid=$!
  wait_for_port "$zk_port" ZooKeeper 40
  wait_for_port "$zk_metrics_port" "ZooKeeper's metrics endpoint" 20
  # The client port opens a moment before the server serves; status says so until then.
  deadline=$((SECONDS + 30))
  until status=$(ZOO_LOG_DIR=$work/zklog "$zookeeper/bin/zkServer.sh" --config "$work/zkconf" status 2>/dev/null); do
    [ $SECONDS -lt $deadline ] || fail "zkServer.sh status: $status"
    sleep 0.5
  done
  expect "zkServer.sh status" "$status" '^Mode: standalone$'
  # Where the client port does not answer srvr (as a TLS-only port without client keys), status
  # asks the admin server.
  sed "s/^clientPort=.*/clientPort=$closed_port/" "$work/zkconf/zoo.cfg" >"$work/zkconf/admin-only.cfg"
  admin_status=$(ZOO_LOG_DIR=$work/zklog "$zookeeper/bin/zkServer.sh" --config "$work/zkconf" status admin-only.cfg 2>/dev/null) \
    || fail "zkServer.sh status through the admin server: $admin_status"
  expect "zkServer.sh status through the admin server" "$admin_status" '^Mode: standalone$'
  ruok=$(http_get "$zk_admin_port" /commands/ruok) || fail "no answer from the admin server on $zk_admin_port"
  expect "admin server /commands/ruok" "$ruok" '"command" : "ruok"'
  expect "admin server /commands/ruok" "$ruok" '"error" : null'
  metrics=$(http_get "$zk_metrics_port" /metrics) || fail "no answer from the metrics endpoint on $zk_metrics_port"
  expect "metrics endpoint" "$metrics" '^HTTP/1\.[01] 200'
  expect "metrics endpoint" "$metrics" '^znode_count [0-9.]+$'
  expect "metrics endpoint" "$metrics" '^num_alive_connections [0-9.]+$'
  echo "smoke-test: zookeeper: $(grep '^Mode' <<<"$status") (srvr and admin server); admin server ruok; /metrics has $(grep -c '^[a-z]' <<<"$metrics") samples"
  phase_done "zookeeper start-foreground, admin, metrics"

  # --- Phase 3: the broker; meanwhile a second ZooKeeper as a forking service ---------------
  LOG_DIR=$work/kafka-run KAFKA_HEAP_OPTS="-Xmx256m -Xms256m" "$kafka/bin/kafka-server-start.sh" \
    "$kafka/config/server.properties" \
    --override "zookeeper.connect=127.0.0.1:$zk_port/smoke" \
    --override "listeners=PLAINTEXT://127.0.0.1:$broker_port" \
    --override "log.dirs=$work/kafka-logs" >"$work/kafka-console.log" 2>&1 &
  broker_pid=$!

  # Tools start faster with these; the launchers under test are the same.
  export KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true"
  export CLIENT_JVMFLAGS="-XX:TieredStopAtLevel=1 -Xshare:auto"

  zk_lifecycle() { # zkServer.sh start / status / stop on its own instance; says what went wrong
    local zk=("$zookeeper/bin/zkServer.sh" --config "$work/zk2conf") out pid deadline
    export ZOO_LOG_DIR=$work/zk2log ZK_SERVER_HEAP=128
    out=$("${zk[@]}" start 2>&1) || { echo "start exited $?: $out"; return 1; }
    [[ "$out" == *STARTED* ]] || { echo "start did not say STARTED: $out"; return 1; }
    [ -s "$zk2_pidfile" ] || { echo "start wrote no pid file $zk2_pidfile"; return 1; }
    pid=$(cat "$zk2_pidfile")
    deadline=$((SECONDS + 40))
    until (exec 3<>"/dev/tcp/127.0.0.1/$zk2_port") 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { echo "no listener on $zk2_port 40 s after start"; return 1; }
      sleep 0.2
    done
    until out=$("${zk[@]}" status 2>/dev/null); do
      [ $SECONDS -lt $deadline ] || { echo "status exited 1 on a running server: $out"; return 1; }
      sleep 0.5
    done
    [[ "$out" == *"Mode: standalone"* ]] || { echo "status: $out"; return 1; }
    if out=$("${zk[@]}" start 2>&1); then echo "a second start succeeded: $out"; return 1; fi
    [[ "$out" == *"already running as process $pid"* ]] || { echo "second start: $out"; return 1; }
    out=$("${zk[@]}" stop 2>&1) || { echo "stop exited $?: $out"; return 1; }
    [[ "$out" == *STOPPED* ]] || { echo "stop: $out"; return 1; }
    # A zombie counts as gone: whoever adopted the daemon may not have reaped it yet.
    if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
      echo "process $pid still runs after stop"
      return 1
    fi
    [ ! -e "$zk2_pidfile" ] || { echo "stop left $zk2_pidfile"; return 1; }
    if out=$("${zk[@]}" status 2>/dev/null); then echo "status exited 0 with no server: $out"; return 1; fi
    [[ "$out" == *"Error contacting service"* ]] || { echo "status with no server: $out"; return 1; }
    out=$("${zk[@]}" stop 2>&1) || { echo "stop with nothing to stop exited $?: $out"; return 1; }
    [[ "$out" == *"no zookeeper to stop"* ]] || { echo "stop with nothing to stop: $out"; return 1; }
    echo "start, status, second start refused, stop, status and stop afterwards as upstream"
  }
  zk_lifecycle >"$work/zk-lifecycle.out" 2>&1 &
  lifecycle_pid=$!
  pids+=("$lifecycle_pid")
  timeout 60 "$kafka/bin/kafka-storage.sh" random-uuid >"$work/storage.out" 2>"$work/storage.log" &
  storage_pid=$!
  pids+=("$storage_pid")

  deadline=$((SECONDS + 90))
  until grep -q "started (kafka.server.KafkaServer)" "$work/kafka-run/server.log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "the broker did not start within 90 s"
    kill -0 "$broker_pid" 2>/dev/null || fail "the broker exited"
    sleep 0.2
  done
  wait "$lifecycle_pid" || fail "zkServer.sh as a forking service: $(cat "$work/zk-lifecycle.out")"
  echo "smoke-test: zkServer.sh: $(cat "$work/zk-lifecycle.out")"
  wait "$storage_pid" || fail "kafka-storage.sh random-uuid"
  uuid=$(cat "$work/storage.out")
  expect "kafka-storage.sh random-uuid" "$uuid" '^[A-Za-z0-9_-]{22}$'
  phase_done "broker start; zkServer.sh start/status/stop"

  # --- Phase 4: tools against the broker ----------------------------------------------------
  bootstrap=127.0.0.1:$broker_port

  # The perf tools use their own topic (created on first use) and run beside everything else;
  # each consumer reads from the earliest offset, so it may start before its producer.
  run_bg perf-producer 60 "$kafka/bin/kafka-producer-perf-test.sh" --topic perf --num-records 1000 \
    --record-size 100 --throughput -1 --producer-props "bootstrap.servers=$bootstrap" acks=all
  run_bg perf-consumer 60 "$kafka/bin/kafka-consumer-perf-test.sh" --bootstrap-server "$bootstrap" \
    --topic perf --messages 1000 --timeout 30000
  run_bg features 60 "$kafka/bin/kafka-features.sh" --bootstrap-server "$bootstrap" describe
  run_bg acls 60 "$kafka/bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --list
  run_bg zkcli 60 "$zookeeper/bin/zkCli.sh" -server "127.0.0.1:$zk_port" ls /smoke/brokers/ids
  timeout 60 "$kafka/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --topic smoke \
    --partitions 1 --replication-factor 1 >"$work/topics.log" 2>&1 || fail "kafka-topics.sh --create"
  run_bg consumer 60 "$kafka/bin/kafka-console-consumer.sh" --bootstrap-server "$bootstrap" --topic smoke \
    --from-beginning --max-messages 1 --timeout-ms 40000
  message="smoke-$$-$RANDOM"
  echo "$message" | timeout 60 "$kafka/bin/kafka-console-producer.sh" --bootstrap-server "$bootstrap" \
    --topic smoke >"$work/producer.log" 2>&1 || fail "kafka-console-producer.sh"
  finish perf-producer || fail "kafka-producer-perf-test.sh: $(output perf-producer)"
  expect "kafka-producer-perf-test.sh" "$(output perf-producer)" '^1000 records sent'
  segments=$work/kafka-logs/smoke-0/00000000000000000000.log,$work/kafka-logs/perf-0/00000000000000000000.log
  timeout 60 "$kafka/bin/kafka-dump-log.sh" --files "$segments" --print-data-log >"$work/dump-log.out" 2>&1 \
    || fail "kafka-dump-log.sh: $(tail -n 5 "$work/dump-log.out")"
  expect "kafka-dump-log.sh" "$(cat "$work/dump-log.out")" "payload: $message\$"
  expect "kafka-dump-log.sh" "$(cat "$work/dump-log.out")" '^\| offset: 999 .* valueSize: 100 '

  finish features || fail "kafka-features.sh describe: $(output features)"
  # A broker in ZooKeeper mode advertises no features: describe lists none, and succeeds.
  if grep -q '^Feature:' "$work/features.out"; then fail "kafka-features.sh listed features of a ZooKeeper-mode broker"; fi
  if finish acls; then fail "kafka-acls.sh --list succeeded on a broker without an authorizer"; fi
  expect "kafka-acls.sh --list" "$(output acls)" 'SecurityDisabledException: No Authorizer is configured on the broker'
  finish zkcli || fail "zkCli.sh ls: $(output zkcli)"
  expect "zkCli.sh ls /smoke/brokers/ids" "$(output zkcli)" '^\[0\]$'
  finish consumer || fail "kafka-console-consumer.sh: $(output consumer)"
  expect "kafka-console-consumer.sh" "$(output consumer)" "^$message\$"
  finish perf-consumer || fail "kafka-consumer-perf-test.sh: $(output perf-consumer)"
  # The CSV line's fifth field is data.consumed.in.nMsg.
  consumed=$(awk -F', *' '$1 ~ /^[0-9][0-9][0-9][0-9]-/ {print $5}' "$work/perf-consumer.out")
  [ "$consumed" = 1000 ] || fail "kafka-consumer-perf-test.sh consumed '$consumed' messages, expected 1000: $(output perf-consumer)"
  [ -s "$work/kafka-run/server.log" ] || fail "the broker wrote no server.log (SLF4J binding missing?)"
  echo "smoke-test: kafka: message '$message' produced and consumed; 1000 perf records produced," \
    "consumed and dumped; random-uuid $uuid; features and acls answered as a ZooKeeper-mode broker does"
  phase_done "kafka tools against the broker"
}

# A KRaft node (broker and controller in one) of the first 4.x version.
kraft_mode() {
  local kafka4=$work/kafka_$scala_version-$kraft_version
  local release=${kraft_version%.*} bootstrap controller config=$work/kraft.properties
  local cluster_id out message segment deadline status ssl_bootstrap sasl_bootstrap tls=$work/tls
  # --- KRaft phase 1: format a dynamic quorum of one node, and start it ---------------------
  kraft_broker_port=${SMOKE_KRAFT_BROKER_PORT:-}
  kraft_controller_port=${SMOKE_KRAFT_CONTROLLER_PORT:-}
  used_ports="$used_ports$kraft_broker_port $kraft_controller_port "
  [ -n "$kraft_broker_port" ] || pick_port kraft_broker_port 19100 800
  [ -n "$kraft_controller_port" ] || pick_port kraft_controller_port 29100 800
  kraft_ssl_port="" kraft_sasl_port=""
  pick_port kraft_ssl_port 19100 800
  pick_port kraft_sasl_port 19100 800
  bootstrap=127.0.0.1:$kraft_broker_port
  controller=127.0.0.1:$kraft_controller_port
  ssl_bootstrap=127.0.0.1:$kraft_ssl_port
  sasl_bootstrap=127.0.0.1:$kraft_sasl_port
  "$smoke_python" "$here/smoke_security.py" certs "$tls" >"$work/tls-certs.log" 2>&1 \
    || fail "smoke_security.py certs: $(tail -n 5 "$work/tls-certs.log")"
  # The archive's own example, with this test's addresses and directory (later keys win).
  cp "$kafka4/config/server.properties" "$config"
  cat >>"$config" <<CFG

# smoke-test: loopback, free ports, a directory of its own
node.id=1
controller.quorum.bootstrap.servers=$controller
listeners=PLAINTEXT://$bootstrap,CONTROLLER://$controller,SSL://$ssl_bootstrap,SASL_SSL://$sasl_bootstrap
advertised.listeners=PLAINTEXT://$bootstrap,CONTROLLER://$controller,SSL://$ssl_bootstrap,SASL_SSL://$sasl_bootstrap
log.dirs=$work/kraft-data
# What clients see is under test: the node talks to itself (inter-broker and controller) over
# PLAINTEXT on loopback, which nothing else reaches; TLS between nodes is the roles' to prove.
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
# PEM stores: the key (PKCS#8, unencrypted, so no ssl.key.password) followed by the certificate,
# and the CA; Kafka refuses store passwords with PEM.
ssl.keystore.type=PEM
ssl.keystore.location=$tls/node.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
CFG
  # Tools start faster with these; the launchers under test are the same. The node itself
  # runs with the launcher's own JVM options.
  export KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true"
  cluster_id=$(timeout 60 "$kafka4/bin/kafka-storage.sh" random-uuid 2>"$work/kraft-uuid.log") \
    || fail "kafka-storage.sh random-uuid ($kraft_version)"
  expect "kafka-storage.sh random-uuid" "$cluster_id" '^[A-Za-z0-9_-]{22}$'
  # The SCRAM user the SASL_SSL clients log in as, in the metadata from the start (KRaft has
  # no other way before a broker serves).
  out=$(timeout 90 "$kafka4/bin/kafka-storage.sh" format --standalone --cluster-id "$cluster_id" \
    --config "$config" --add-scram "SCRAM-SHA-512=[name=admin,password=$(head -n 1 "$tls/admin.password")]" 2>&1) \
    || fail "kafka-storage.sh format --standalone: $out"
  expect "kafka-storage.sh format --standalone" "$out" \
    "^Formatting dynamic metadata voter directory $work/kraft-data with metadata.version ${release//./\\.}-IV[0-9]+"
  expect "meta.properties" "$(cat "$work/kraft-data/meta.properties")" "^cluster.id=$cluster_id\$"
  env -u KAFKA_JVM_PERFORMANCE_OPTS LOG_DIR="$work/kraft-run" KAFKA_HEAP_OPTS="-Xmx320m -Xms320m" \
    "$kafka4/bin/kafka-server-start.sh" "$config" >"$work/kraft-console.log" 2>&1 &
  kraft_pid=$!
  deadline=$((SECONDS + 120))
  until grep -q "Kafka Server started (kafka.server.KafkaRaftServer)" "$work/kraft-run/server.log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "the KRaft node did not start within 120 s"
    kill -0 "$kraft_pid" 2>/dev/null || fail "the KRaft node exited"
    sleep 0.2
  done
  phase_done "kraft $kraft_version: format --standalone, start"

  # --- KRaft phase 2: tools against the node ---------------------------------------------------
  # A Log4j 1 file (as 3.x deployments name in KAFKA_LOG4J_OPTS) still configures logging, through
  # log4j-1.2-api in Log4j 2's compatibility mode, and the launcher says it is deprecated.
  cat >"$work/log4j1.properties" <<'CFG'
log4j.rootLogger=INFO, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=log4j1-file %p %c %m%n
CFG
  KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$work/log4j1.properties" LOG_DIR="$work/log4j1-logs" \
    run_bg log4j1 60 "$kafka4/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --list
  run_bg quorum 60 "$kafka4/bin/kafka-metadata-quorum.sh" --bootstrap-server "$bootstrap" describe --status
  run_bg features4 60 "$kafka4/bin/kafka-features.sh" --bootstrap-server "$bootstrap" describe
  run_bg configs4 60 "$kafka4/bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --describe \
    --entity-type brokers --entity-name 1
  timeout 60 "$kafka4/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --topic smoke4 \
    --partitions 1 --replication-factor 1 >"$work/topics4.log" 2>&1 || fail "kafka-topics.sh --create ($kraft_version)"
  run_bg consumer4 60 "$kafka4/bin/kafka-console-consumer.sh" --bootstrap-server "$bootstrap" --topic smoke4 \
    --from-beginning --max-messages 1 --timeout-ms 40000
  message="smoke4-$$-$RANDOM"
  echo "$message" | timeout 60 "$kafka4/bin/kafka-console-producer.sh" --bootstrap-server "$bootstrap" \
    --topic smoke4 >"$work/producer4.log" 2>&1 || fail "kafka-console-producer.sh ($kraft_version)"
  segment=$work/kraft-data/smoke4-0/00000000000000000000.log
  timeout 60 "$kafka4/bin/kafka-dump-log.sh" --files "$segment" --print-data-log >"$work/dump-log4.out" 2>&1 \
    || fail "kafka-dump-log.sh ($kraft_version): $(tail -n 5 "$work/dump-log4.out")"
  expect "kafka-dump-log.sh" "$(cat "$work/dump-log4.out")" "payload: $message\$"
  finish quorum || fail "kafka-metadata-quorum.sh describe --status: $(output quorum)"
  expect "kafka-metadata-quorum.sh describe --status" "$(output quorum)" "^ClusterId: +$cluster_id\$"
  expect "kafka-metadata-quorum.sh describe --status" "$(output quorum)" '^LeaderId: +1$'
  # A dynamic quorum records each voter's directory id.
  expect "kafka-metadata-quorum.sh describe --status" "$(output quorum)" \
    "^CurrentVoters: +\\[\\{\"id\": 1, \"directoryId\": \"[A-Za-z0-9_-]{22}\", \"endpoints\": \\[\"CONTROLLER://$controller\"\\]\\}\\]\$"
  finish features4 || fail "kafka-features.sh describe: $(output features4)"
  expect "kafka-features.sh describe" "$(output features4)" \
    "^Feature: metadata\\.version.*FinalizedVersionLevel: ${release//./\\.}-IV[0-9]+"
  expect "kafka-features.sh describe" "$(output features4)" '^Feature: kraft\.version.*FinalizedVersionLevel: 1[[:space:]]'
  finish configs4 || fail "kafka-configs.sh --describe: $(output configs4)"
  expect "kafka-configs.sh --describe" "$(output configs4)" '^Dynamic configs for broker 1 are:'
  finish consumer4 || fail "kafka-console-consumer.sh ($kraft_version): $(output consumer4)"
  finish log4j1 || fail "kafka-topics.sh with a Log4j 1 file: $(output log4j1)"
  expect "kafka-topics.sh with a Log4j 1 file" "$(output log4j1)" '^DEPRECATED: KAFKA_LOG4J_OPTS names a Log4j 1.x'
  expect "kafka-topics.sh with a Log4j 1 file" "$(output log4j1)" '^log4j1-file INFO org\.apache\.kafka\.'
  expect "kafka-console-consumer.sh" "$(output consumer4)" "^$message\$"
  phase_done "kraft $kraft_version: tools against the node"

  # --- KRaft phase 3: the verifier over SSL and SASL_SSL -------------------------------------
  # Kafka's own tool reads the --command-config file the verifier reads.
  run_bg sasl-topics4 60 "$kafka4/bin/kafka-topics.sh" --bootstrap-server "$sasl_bootstrap" \
    --command-config "$tls/client.properties" --list
  timeout 150 "$smoke_python" "$here/smoke_security.py" check --dir "$tls" --ssl "$ssl_bootstrap" \
    --sasl-ssl "$sasl_bootstrap" >"$work/security.out" 2>&1 \
    || fail "the verifier over SSL and SASL_SSL: $(tail -n 5 "$work/security.out")"
  cat "$work/security.out"
  finish sasl-topics4 || fail "kafka-topics.sh --command-config over SASL_SSL: $(output sasl-topics4)"
  expect "kafka-topics.sh --command-config over SASL_SSL" "$(output sasl-topics4)" '^smoke4$'
  phase_done "kraft $kraft_version: verifier over SSL and SASL_SSL"

  # --- KRaft phase 4: SIGTERM stops the node; its logs went where log4j2.yaml says -----------
  kill "$kraft_pid"
  deadline=$((SECONDS + 30))
  while kill -0 "$kraft_pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "the KRaft node did not stop within 30 s of SIGTERM"
    sleep 0.2
  done
  status=0
  wait "$kraft_pid" || status=$?
  kraft_pid=""
  # The JVM exits 143 (SIGTERM) once its shutdown hook has run.
  case "$status" in 0|143) ;; *) fail "the KRaft node exited $status after SIGTERM" ;; esac
  [ -s "$work/kraft-run/server.log" ] || fail "the KRaft node wrote no server.log (SLF4J binding missing?)"
  [ -s "$work/kraft-run/controller.log" ] || fail "the KRaft node wrote no controller.log (config/log4j2.yaml not read?)"
  echo "smoke-test: kafka $kraft_version: cluster $cluster_id formatted --standalone; message '$message'" \
    "produced, consumed and dumped; quorum, features and configs answered; a Log4j 1 file still" \
    "read; the verifier passed over SSL and SASL_SSL and was refused a stranger CA and a wrong" \
    "password; stopped on SIGTERM"
  phase_done "kraft $kraft_version: stop"
}

if [ -n "$kafka_version" ]; then
  zookeeper_mode
else
  echo "smoke-test: no 3.x Kafka version given: ZooKeeper and the ZooKeeper-mode broker not run"
fi
if [ -n "$kraft_version" ]; then
  smoke_python=${SMOKE_PYTHON:-$here/../../.venv/bin/python}
  "$smoke_python" -c 'import cryptography, kafka' 2>/dev/null \
    || fail "$smoke_python cannot import kafka-python and cryptography, which the KRaft node's TLS and SASL checks need (make setup, or SMOKE_PYTHON=...)"
  mkdir -p "$work/kraft-data"
  kraft_mode
else
  echo "smoke-test: no 4.x Kafka version given: the KRaft node not run"
fi
d=$(( $(now_ds) - test_start ))
echo "smoke-test: OK in $((d / 10)).$((d % 10)) s"
