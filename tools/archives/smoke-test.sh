#!/usr/bin/env bash
# Starts a one-node ZooKeeper and one broker from the built archives on loopback, creates a
# topic and moves a message through it with the console tools, so a broken archive fails here
# and not halfway through a molecule run. Needs java on PATH. Bounded: about a minute at most.
#
# Usage: tools/archives/smoke-test.sh [MIRROR_DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=${1:-$here/../../build/mirror}
kafka_version=${KAFKA_VERSION:-3.9.2}
scala_version=${KAFKA_SCALA_VERSION:-2.13}
zookeeper_version=${ZOOKEEPER_VERSION:-3.8.6}
zk_port=${SMOKE_ZK_PORT:-22181}
broker_port=${SMOKE_BROKER_PORT:-29092}

command -v java >/dev/null || { echo "smoke-test: java is missing (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke-test: FAILED: $1" >&2
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "--- last lines of $(basename "$log")" >&2
    tail -n 20 "$log" >&2
  done
  exit 1
}

wait_for_port() { # port what seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "$2 did not listen on 127.0.0.1:$1 within $3 s"
    sleep 1
  done
}

tar -C "$work" -xzf "$mirror/kafka/$kafka_version/kafka_$scala_version-$kafka_version.tgz"
tar -C "$work" -xzf "$mirror/zookeeper/zookeeper-$zookeeper_version/apache-zookeeper-$zookeeper_version-bin.tar.gz"
kafka=$work/kafka_$scala_version-$kafka_version
zookeeper=$work/apache-zookeeper-$zookeeper_version-bin

mkdir -p "$work/zkconf" "$work/zkdata" "$work/kafka-logs"
cp "$zookeeper/conf/logback.xml" "$work/zkconf/"
cat >"$work/zkconf/zoo.cfg" <<CFG
dataDir=$work/zkdata
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok
CFG
ZOO_LOG_DIR=$work ZK_SERVER_HEAP=128 "$zookeeper/bin/zkServer.sh" --config "$work/zkconf" start-foreground \
  >"$work/zookeeper-console.log" 2>&1 &
pids+=($!)
wait_for_port "$zk_port" ZooKeeper 30
mode=$("$zookeeper/bin/zkServer.sh" --config "$work/zkconf" status 2>&1) || fail "zkServer.sh status: $mode"
echo "zookeeper: $(echo "$mode" | grep Mode)"

LOG_DIR=$work/kafka-run KAFKA_HEAP_OPTS="-Xmx256m -Xms256m" "$kafka/bin/kafka-server-start.sh" \
  "$kafka/config/server.properties" \
  --override "zookeeper.connect=127.0.0.1:$zk_port/smoke" \
  --override "listeners=PLAINTEXT://127.0.0.1:$broker_port" \
  --override "log.dirs=$work/kafka-logs" >"$work/kafka-console.log" 2>&1 &
pids+=($!)
wait_for_port "$broker_port" "Kafka broker" 60
grep -q "started (kafka.server.KafkaServer)" "$work/kafka-run/server.log" 2>/dev/null \
  || sleep 3
bootstrap=127.0.0.1:$broker_port
timeout 60 "$kafka/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --topic smoke \
  --partitions 1 --replication-factor 1 >"$work/topics.log" 2>&1 || fail "kafka-topics.sh --create"
timeout 30 "$kafka/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe --topic smoke \
  | grep -q "Leader: 0" || fail "topic smoke has no leader"
message="smoke-$$-$RANDOM"
echo "$message" | timeout 60 "$kafka/bin/kafka-console-producer.sh" --bootstrap-server "$bootstrap" \
  --topic smoke >"$work/producer.log" 2>&1 || fail "kafka-console-producer.sh"
got=$(timeout 60 "$kafka/bin/kafka-console-consumer.sh" --bootstrap-server "$bootstrap" --topic smoke \
  --from-beginning --max-messages 1 --timeout-ms 30000 2>>"$work/consumer.log") || fail "kafka-console-consumer.sh"
[ "$got" = "$message" ] || fail "consumed '$got', expected '$message'"
[ -s "$work/kafka-run/server.log" ] || fail "the broker wrote no server.log (SLF4J binding missing?)"
echo "kafka: topic created, message '$message' produced and consumed"
echo "smoke-test: OK"
