"""The ZooKeeper-mode cluster migrated to KRaft by playbooks/migrate-to-kraft.yml, with clients
writing throughout: refused while the inventory cannot take it; stopped with every broker in
KRaft mode and rolled back to ZooKeeper mode from there; migrated again through the last step;
nothing acknowledged lost, the same cluster, topics and consumer offsets at the end, and no change
from a re-run or from cluster.yml in KRaft mode."""

import json
import re
from datetime import datetime

from scenario_support import (
    assert_nothing_lost,
    cluster_state,
    group,
    host,
    hostvars,
    plot_run,
    properties,
    recap,
    run_playbook,
    start_verifier,
    stop_verifier,
    task_results,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
NODES = group("kafka")
TOPIC = "migration-data"
GROUP = "migration-readers"
MESSAGES = 300
# ZooKeeper's /controller names a KRaft controller by its epoch (0 or more); a broker's reads -1.
KRAFT_CLAIM = r'"kraftControllerEpoch":\s*[0-9]'
BEFORE: dict = {}


def offsets(client) -> dict[str, int]:
    """The group's committed offset of each partition, as Kafka's own tool reports it."""
    output = client.check_output(f"kafka-consumer-groups.sh --bootstrap-server {BOOTSTRAP} --describe --group {GROUP}")
    committed = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) > 3 and fields[1] == TOPIC:
            committed[fields[2]] = int(fields[3])
    return committed


def topic_id(client) -> str:
    output = client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe --topic {TOPIC}")
    return re.search(r"TopicId:\s*(\S+)", output).group(1)


def migration_znode(client) -> str:
    return client.check_output("/opt/kafka/bin/zookeeper-shell.sh hadoop-master:2181 get /kafka/migration 2>/dev/null"
                               " | grep kraft_metadata_offset || true")


def duration_s(duration: dict) -> float:
    start, end = (datetime.fromisoformat(duration[key].replace("Z", "+00:00")).timestamp() for key in ("start", "end"))
    return end - start


def step_windows(json_output: str, run: str) -> list[tuple[str, float, float]]:
    """(label, start, end) in epoch seconds of each migration step's play, from the json callback."""
    data, _ = json.JSONDecoder().raw_decode(json_output[json_output.index("{"):])
    windows = []
    for play in data["plays"]:
        name, duration = play["play"]["name"], play["play"]["duration"]
        # A step the run skipped (done before, or after kafka_migration_until) has a play of ~0.2 s.
        if name.startswith(("Step ", "Rollback step ")) and duration_s(duration) >= 1:
            start, end = (datetime.fromisoformat(duration[key].replace("Z", "+00:00")).timestamp()
                          for key in ("start", "end"))
            windows.append((f"{run}: {name.split(':')[0].lower()}", start, end))
    return windows


def per_step(report: dict, windows: list[tuple[str, float, float]]) -> list[dict]:
    """What the writers saw during each step: acknowledged and failed sends, longest stall."""
    timeline, origin = report["timeline"], report["produce_started_epoch"]
    rows = []
    for label, start, end in windows:
        first, last = max(int(start - origin), 0), max(int(end - origin) + 1, 0)
        stalls = [min(stall_end, end - origin) - max(stall_start, start - origin)
                  for stall_start, stall_end in timeline["stalls"]
                  if stall_end > start - origin and stall_start < end - origin]
        rows.append({"step": label, "seconds": round(end - start, 1),
                     "acked": sum(timeline["acked_per_s"][first:last]),
                     "failed": sum(timeline["failed_per_s"][first:last]),
                     "longest_stall_s": round(max(stalls, default=0.0), 1)})
    return rows


def test_01_data_and_a_committed_group_before_the_migration():
    client = host("hadoop-master")
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --create --topic {TOPIC} --partitions 3 "
                        f"--replication-factor 3")
    client.check_output(f"seq 1 {MESSAGES} | kafka-console-producer.sh --bootstrap-server {BOOTSTRAP} --topic {TOPIC} "
                        f"--producer-property acks=all")
    read = client.check_output(f"kafka-console-consumer.sh --bootstrap-server {BOOTSTRAP} --topic {TOPIC} "
                               f"--group {GROUP} --from-beginning --max-messages {MESSAGES} --timeout-ms 60000")
    assert sorted(map(int, read.split())) == list(range(1, MESSAGES + 1))
    BEFORE.update(offsets=offsets(client), topic_id=topic_id(client),
                  cluster_id=cluster_state(client, BOOTSTRAP)["cluster_id"])
    print(f"\nbefore: {BEFORE}")
    assert sum(BEFORE["offsets"].values()) == MESSAGES


def test_02_a_dynamic_quorum_is_refused_before_any_change():
    result = run_playbook("migrate-to-kraft.yml", "-e", "kafka_quorum=dynamic")
    assert result.returncode != 0
    # The callback folds long messages; the refusal is on stderr too.
    said = " ".join((result.stdout + result.stderr).split())
    assert "kafka_quorum on all hosts: dynamic" in said
    assert "Fix: set kafka_quorum: static" in said
    for name in NODES:
        assert not host(name).file("/etc/kafka/controller.properties").exists
        assert "zookeeper.metadata.migration.enable" not in properties(host(name), "/etc/kafka/server.properties")


def zookeeper_controller(client) -> str:
    return client.check_output("/opt/kafka/bin/zookeeper-shell.sh hadoop-master:2181 get /kafka/controller 2>/dev/null"
                               " | grep brokerid || true")


def test_03_rolled_back_from_kraft_brokers_then_migrated_without_loss():
    client = host("hadoop-master")
    start_verifier(client, "migration", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "migration",
                   "--topics", "2", "--duration", "1500", "--rate", "200", "--delivery-timeout", "120",
                   "--consume-timeout", "120", "--settle", "240")
    json_output = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    # Stopped at the hardest point to go back from: every broker in KRaft mode, the controllers
    # still writing to ZooKeeper.
    first = run_playbook("migrate-to-kraft.yml", "-e", "kafka_migration_until=kraft", timeout=1500, env=json_output)
    assert first.returncode == 0, first.stdout[-3000:]
    assert '"kraft_metadata_offset"' in migration_znode(client)
    assert re.search(KRAFT_CLAIM, zookeeper_controller(client))
    for name in NODES:
        assert properties(host(name), "/etc/kafka/server.properties")["process.roles"] == "broker"
        controller = properties(host(name), "/etc/kafka/controller.properties")
        assert controller["zookeeper.metadata.migration.enable"] == "true"

    back = run_playbook("rollback-kraft-migration.yml", timeout=1500, env=json_output)
    assert back.returncode == 0, back.stdout[-3000:]
    said = task_results(back.stdout, "say where the migration stands")[0]["msg"]
    assert said.startswith("The migration is at step 3 of 4 (kraft)"), said
    for name in NODES:
        written = properties(host(name), "/etc/kafka/server.properties")
        assert written["broker.id"] == str(hostvars(name)["kafka_broker_id"])
        assert "process.roles" not in written
        assert "zookeeper.metadata.migration.enable" not in written
        assert "controller.quorum.voters" not in written
        assert not host(name).service("kafka@controller").is_running
        assert not host(name).service("kafka@controller").is_enabled
        assert host(name).check_output("ls -d /var/lib/kafka/controller.rolled-back-* | wc -l") == "1"
    # A broker is the controller again, and a later migration copies the metadata afresh.
    holder = zookeeper_controller(client)
    assert not re.search(KRAFT_CLAIM, holder), holder
    assert re.search(r'"brokerid":\s*[123]\b', holder), holder
    assert migration_znode(client) == ""
    again = run_playbook("rollback-kraft-migration.yml")
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]

    # Then the whole migration, from its first step.
    second = run_playbook("migrate-to-kraft.yml", timeout=1500, env=json_output)
    stop_verifier(client, "migration")
    assert second.returncode == 0, second.stdout[-3000:]
    rc, report = wait_verifier(client, "migration")
    windows = (step_windows(first.stdout, "migrate") + step_windows(back.stdout, "roll back")
               + step_windows(second.stdout, "migrate again"))
    for row in per_step(report, windows):
        print(f"  {row}")
    plot_run(report, "migration", windows)
    # Loss is judged over the whole run: a message lost in any step fails it.
    assert_nothing_lost(rc, report, "migration, rollback and migration under load")
    said = task_results(second.stdout, "say where the migration stands")[0]["msg"]
    assert said.startswith("The migration is at step 1 of 4 (controllers)"), said
    restarts = task_results(second.stdout, "show the restarts")[-1]["msg"]
    print(f"restarts of the last run: {restarts}")
    brokers = [entry["broker"] for entry in restarts if "broker" in entry]
    controllers = [entry["controller_node"] for entry in restarts if "controller_node" in entry]
    # Steps 2 and 3 restart each broker once, step 4 each controller once.
    assert sorted(brokers) == sorted(2 * [hostvars(name)["kafka_broker_id"] for name in NODES])
    assert sorted(controllers) == sorted(hostvars(name)["kafka_controller_id"] for name in NODES)


def test_04_the_nodes_run_in_kraft_mode_with_their_ids_and_data():
    for name in NODES:
        target = host(name)
        broker = properties(target, "/etc/kafka/server.properties")
        assert broker["process.roles"] == "broker"
        assert broker["node.id"] == str(hostvars(name)["kafka_broker_id"])
        assert "zookeeper.connect" not in broker
        assert "broker.id" not in broker
        controller = properties(target, "/etc/kafka/controller.properties")
        assert "zookeeper.metadata.migration.enable" not in controller
        assert "zookeeper.connect" not in controller
    leader_log = " ".join(host(name).check_output("cat /var/log/kafka/controller/server.log* 2>/dev/null || true")
                          for name in NODES)
    assert re.search("completed migration of metadata from zookeeper to kraft", leader_log, re.IGNORECASE)
    assert "changing the migration state from MIGRATION to POST_MIGRATION" in leader_log


def test_05_the_same_cluster_topics_and_consumer_offsets():
    client = host("hadoop-master")
    assert cluster_state(client, BOOTSTRAP)["cluster_id"] == BEFORE["cluster_id"]
    assert topic_id(client) == BEFORE["topic_id"]
    assert offsets(client) == BEFORE["offsets"]
    read = client.check_output(f"kafka-console-consumer.sh --bootstrap-server {BOOTSTRAP} --topic {TOPIC} "
                               f"--from-beginning --max-messages {MESSAGES} --timeout-ms 60000")
    assert sorted(map(int, read.split())) == list(range(1, MESSAGES + 1))


def test_06_a_rerun_and_cluster_yml_in_kraft_mode_change_nothing():
    again = run_playbook("migrate-to-kraft.yml")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "The migration is at step 4 of 4 (finalize)" in " ".join(again.stdout.split())
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]
    kraft = run_playbook("cluster.yml", "-e", "kafka_mode=kraft", "-e", "cluster_verify=false")
    assert kraft.returncode == 0, kraft.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(kraft.stdout).values()), kraft.stdout[-3000:]
