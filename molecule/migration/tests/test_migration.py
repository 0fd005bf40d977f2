"""The ZooKeeper-mode cluster migrated to KRaft by playbooks/migrate-to-kraft.yml, then upgraded to
Kafka 4.4.0, with clients writing throughout: stopped with every broker in KRaft mode and rolled
back to ZooKeeper mode from there; migrated again through the last step; ZooKeeper retired and
the KRaft inventory written, which cluster.yml then follows without a change while the old
inventory is refused; Kafka 4.4.0 through cluster.yml with that inventory. Nothing acknowledged
lost, the same cluster, topics and consumer offsets at the end. A cluster with a broker down is
refused before anything changes; the other refusals are tested against sandbox hosts
(tests/unit/test_first_play.py).

The tests run in order and share one continuous verifier run (started in test_03, judged in
test_05)."""

import json
import re
from datetime import datetime
from pathlib import Path

import yaml
from scenario_support import (
    assert_nothing_lost,
    cluster_state,
    features,
    group,
    host,
    hostvars,
    inventory,
    managed_state,
    plot_run,
    process_started,
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
# The windows of every run under the one verifier, for the per-step table and the plot.
WINDOWS: list = []
UPGRADE = "4.4.0"


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


def run_window(json_output: str, label: str) -> tuple[str, float, float]:
    """(label, start, end) of a whole playbook run, from the json callback."""
    data, _ = json.JSONDecoder().raw_decode(json_output[json_output.index("{"):])
    durations = [play["play"]["duration"] for play in data["plays"]]
    start, end = (datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
                  for stamp in (durations[0]["start"], durations[-1]["end"]))
    return label, start, end


def kraft_inventory() -> str:
    """Where migrate-to-kraft.yml writes the inventory by default: beside the scenario's."""
    return inventory() + "-migrated"


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
    """What the writers saw during each step: acknowledged and failed sends, the acknowledged
    messages later found lost, unavailable or duplicated (by the second they were acknowledged),
    and the longest stall. A last row holds what no step covers."""
    timeline, origin = report["timeline"], report["produce_started_epoch"]
    problems = timeline["problems_per_s"]
    covered: set[int] = set()
    rows = []
    for label, start, end in windows:
        first, last = max(int(start - origin), 0), max(int(end - origin) + 1, 0)
        covered.update(range(first, last))
        stalls = [min(stall_end, end - origin) - max(stall_start, start - origin)
                  for stall_start, stall_end in timeline["stalls"]
                  if stall_end > start - origin and stall_start < end - origin]
        rows.append({"step": label, "seconds": round(end - start, 1),
                     "acked": sum(timeline["acked_per_s"][first:last]),
                     "failed": sum(timeline["failed_per_s"][first:last]),
                     **{name: sum(count for second, count in problems[name] if first <= second < last)
                        for name in ("lost", "unavailable", "duplicated")},
                     "longest_stall_s": round(max(stalls, default=0.0), 1)})
    rows.append({"step": "outside the steps",
                 **{name: sum(count for second, count in problems[name] if second not in covered)
                    for name in ("lost", "unavailable", "duplicated")}})
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


def test_02_a_cluster_with_a_broker_down_is_refused_before_anything_changes():
    stopped = "hadoop-slave2"
    broker = hostvars(stopped)["kafka_broker_id"]
    host(stopped).check_output("systemctl stop kafka@server")
    try:
        before = {name: managed_state(host(name)) for name in NODES}
        refused = run_playbook("migrate-to-kraft.yml", "-e", "kafka_migration_health_timeout=5")
        after = {name: managed_state(host(name)) for name in NODES}
    finally:
        host(stopped).check_output("systemctl start kafka@server")
    said = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0, said[-2000:]
    assert f"brokers [{broker}] are not registered" in said, said[-2000:]
    assert after == before
    assert not any(host(name).file("/etc/kafka/controller.properties").exists for name in NODES)
    state = cluster_state(host("hadoop-master"), BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=180)
    assert not state.get("failed"), state.get("msg")


def zookeeper_controller(client) -> str:
    return client.check_output("/opt/kafka/bin/zookeeper-shell.sh hadoop-master:2181 get /kafka/controller 2>/dev/null"
                               " | grep brokerid || true")


def test_03_resumed_after_a_failed_step_rolled_back_from_kraft_brokers_then_migrated():
    client = host("hadoop-master")
    start_verifier(client, "migration", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "migration",
                   "--topics", "2", "--duration", "2000", "--rate", "200", "--delivery-timeout", "120",
                   "--consume-timeout", "120", "--settle", "240")
    json_output = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    # Stopped at the hardest point to go back from (every broker in KRaft mode, the controllers
    # still writing to ZooKeeper), after a failure on the way.
    # A step that fails half-way leaves nodes written but not restarted: here the gates of step 2's
    # broker restarts get 1 s, too short for a broker to come back in sync.
    failed = run_playbook("migrate-to-kraft.yml", "-e", "kafka_migration_until=kraft", "-e", "kafka_restart_timeout=1",
                          timeout=900, env=json_output)
    assert failed.returncode != 0, failed.stdout[-3000:]
    for name in NODES:
        written = properties(host(name), "/etc/kafka/server.properties")
        assert written["zookeeper.metadata.migration.enable"] == "true"
        assert "process.roles" not in written
    ids = [hostvars(name)["kafka_broker_id"] for name in NODES]
    restarted = [broker for broker in ids
                 if any(result.get("changed") for result in task_results(failed.stdout, f"restart broker {broker}"))]
    print(f"brokers restarted before the step failed: {restarted}")
    # The next run reads the step back from the nodes and finishes it, restarting only the brokers
    # that still run what they ran before.
    first = run_playbook("migrate-to-kraft.yml", "-e", "kafka_migration_until=kraft", timeout=1500, env=json_output)
    assert first.returncode == 0, first.stdout[-3000:]
    said = task_results(first.stdout, "say where the migration stands")[0]["msg"]
    assert said.startswith("The migration is at step 2 of 4 (brokers)"), said
    resumed = [entry["broker"] for entry in task_results(first.stdout, "show the restarts")[-1]["msg"]
               if "broker" in entry]
    print(f"brokers restarted by the run that resumed: {resumed}")
    assert sorted(resumed) == sorted([broker for broker in ids if broker not in restarted] + ids)
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
    assert second.returncode == 0, second.stdout[-3000:]
    WINDOWS.extend(step_windows(failed.stdout, "fail") + step_windows(first.stdout, "resume")
                   + step_windows(back.stdout, "roll back")
                   + step_windows(second.stdout, "migrate again"))
    said = task_results(second.stdout, "say where the migration stands")[0]["msg"]
    assert said.startswith("The migration is at step 1 of 4 (controllers)"), said
    restarts = task_results(second.stdout, "show the restarts")[-1]["msg"]
    print(f"restarts of the last run: {restarts}")
    brokers = [entry["broker"] for entry in restarts if "broker" in entry]
    controllers = [entry["controller_node"] for entry in restarts if "controller_node" in entry]
    # Steps 2 and 3 restart each broker once, step 4 each controller once.
    assert sorted(brokers) == sorted(2 * [hostvars(name)["kafka_broker_id"] for name in NODES])
    assert sorted(controllers) == sorted(hostvars(name)["kafka_controller_id"] for name in NODES)


def test_04_zookeeper_retired_and_the_kraft_inventory_is_the_clusters_own():
    for name in NODES:
        zookeeper = host(name).service("zookeeper")
        assert not zookeeper.is_running
        assert not zookeeper.is_enabled
        assert host(name).file("/var/lib/zookeeper/version-2").is_directory
    written = (Path(kraft_inventory()) / "hosts.yml").read_text()
    print(f"\n{written}")
    assert written.startswith("---\n# Written by playbooks/migrate-to-kraft.yml")
    layout = yaml.safe_load(written)["all"]
    assert "zookeeper" not in layout["children"]
    assert sorted(layout["children"]["kafka_controllers"]["hosts"]) == NODES
    assert all(layout["hosts"][name]["kafka_mode"] == "kraft" for name in NODES)
    # The old inventory now describes a cluster that is gone: refused before any change.
    old = run_playbook("cluster.yml", "-e", "cluster_verify=false")
    said = " ".join((old.stdout + old.stderr).split())
    assert old.returncode != 0
    refusal = "kafka_mode on hadoop-master: zookeeper, but /etc/kafka/server.properties runs in KRaft mode"
    assert refusal in said, said[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(old.stdout).values()), old.stdout[-3000:]
    assert not host("hadoop-master").service("zookeeper").is_running
    again = run_playbook("migrate-to-kraft.yml")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "The migration is at step 4 of 4 (finalize)" in " ".join(again.stdout.split())
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]
    kraft = run_playbook("cluster.yml", "-e", "cluster_verify=false", main_inventory=kraft_inventory())
    assert kraft.returncode == 0, kraft.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(kraft.stdout).values()), kraft.stdout[-3000:]


def test_05_kafka_4_through_the_ordinary_upgrade_without_loss():
    client = host("hadoop-master")
    upgrade = run_playbook("cluster.yml", "-e", f"kafka_version={UPGRADE}", "-e", "cluster_verify=false",
                           main_inventory=kraft_inventory(), timeout=1500,
                           env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    stop_verifier(client, "migration")
    assert upgrade.returncode == 0, upgrade.stdout[-3000:]
    WINDOWS.append(run_window(upgrade.stdout, f"upgrade to {UPGRADE}"))
    rc, report = wait_verifier(client, "migration")
    for row in per_step(report, WINDOWS):
        print(f"  {row}")
    plot_run(report, "migration", WINDOWS)
    # Loss is judged over the whole run: a message lost in any step fails it.
    assert_nothing_lost(rc, report, "migration, rollback, migration and upgrade under load")
    restarts = task_results(upgrade.stdout, "show the restarts")[0]["msg"]
    print(f"restarts of the upgrade: {restarts}")
    kinds = ["controller" if "controller_node" in entry else "broker" for entry in restarts]
    assert kinds == 3 * ["controller"] + 3 * ["broker"], restarts
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == f"/opt/kafka_2.13-{UPGRADE}"
    raised = task_results(upgrade.stdout, "raise the finalized features to the release's levels")[0]
    print(f"features raised: {raised['upgraded']}")
    levels = features(client, BOOTSTRAP)
    print(f"features on {UPGRADE}: {levels}")
    assert levels["metadata.version"].startswith("4.4-")
    # Raised by name: the quorum the migration formed stays static.
    assert "kraft.version" not in raised["upgraded"]
    assert levels["kraft.version"] == "0"
    again = run_playbook("cluster.yml", "-e", f"kafka_version={UPGRADE}", "-e", "cluster_verify=false",
                         main_inventory=kraft_inventory())
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]


def test_06_the_nodes_run_in_kraft_mode_with_their_ids_and_data():
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


def test_07_the_same_cluster_topics_and_consumer_offsets():
    client = host("hadoop-master")
    assert cluster_state(client, BOOTSTRAP)["cluster_id"] == BEFORE["cluster_id"]
    assert topic_id(client) == BEFORE["topic_id"]
    assert offsets(client) == BEFORE["offsets"]
    read = client.check_output(f"kafka-console-consumer.sh --bootstrap-server {BOOTSTRAP} --topic {TOPIC} "
                               f"--from-beginning --max-messages {MESSAGES} --timeout-ms 60000")
    assert sorted(map(int, read.split())) == list(range(1, MESSAGES + 1))


def test_08_zookeeper_removed_for_good_with_the_old_inventory_kafka_left_alone():
    started = {name: (process_started(host(name), "kafka@server"), process_started(host(name), "kafka@controller"))
               for name in NODES}
    removed = run_playbook("uninstall.yml", "-e", "uninstall_only=zookeeper", "-e", "uninstall_purge_data=true")
    assert removed.returncode == 0, removed.stdout[-3000:]
    for name in NODES:
        target = host(name)
        for path in ("/var/lib/zookeeper", "/etc/zookeeper", "/etc/systemd/system/zookeeper.service",
                     "/usr/local/bin/zkCli.sh"):
            assert not target.file(path).exists, f"{path} is still on {name}"
        assert target.file("/usr/local/bin/kafka-topics.sh").exists
        assert (process_started(target, "kafka@server"), process_started(target, "kafka@controller")) == started[name]
    kraft = run_playbook("cluster.yml", "-e", f"kafka_version={UPGRADE}", main_inventory=kraft_inventory())
    assert kraft.returncode == 0, kraft.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(kraft.stdout).values()), kraft.stdout[-3000:]
