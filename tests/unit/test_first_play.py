"""The first play of cluster.yml (playbooks/validate.yml), for real, against three sandbox hosts
that are this machine under the course's names: the checks of test_contract.py must be wired
into the play, with each role's argument spec applied there, and refuse before any host
changes. The play only reads, so the sandbox is safe to run anywhere."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("hadoop-master", "hadoop-slave1", "hadoop-slave2")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    path = tmp_path_factory.mktemp("sandbox")
    hosts = "".join(f"        {host}:\n" for host in HOSTS)
    (path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: local\n    ansible_become: false\n"
        f"    ansible_python_interpreter: {sys.executable}\n"
        f"  children:\n    zookeeper:\n      hosts:\n{hosts}    kafka:\n      hosts:\n{hosts}")
    (path / "host_vars").mkdir()
    for index, host in enumerate(HOSTS, start=1):
        (path / "host_vars" / f"{host}.yml").write_text(f"zookeeper_id: {index}\nkafka_broker_id: {index}\n")
    (path / "group_vars").mkdir()
    (path / "group_vars" / "all.yml").write_text(
        "kafka_heap: 320m\nzookeeper_heap: 128m\nkafka_topics_list:\n  - {name: Hello-Kafka, partitions: 3, "
        "replication_factor: 3}\n")
    return path


def first_play(sandbox, extra=None, host_vars=None, playbook="validate.yml"):
    """Run the first play (or the playbook named, up to its first refusal) with extra vars (a dict)
    and extra host_vars (host -> YAML text)."""
    inventories = ["-i", str(sandbox)]
    if host_vars:
        overlay = sandbox.parent / f"overlay-{abs(hash(json.dumps(host_vars, sort_keys=True)))}"
        (overlay / "host_vars").mkdir(parents=True, exist_ok=True)
        (overlay / "hosts.yml").write_text("all: {}\n")
        for host, text in host_vars.items():
            (overlay / "host_vars" / f"{host}.yml").write_text(text + "\n")
        inventories += ["-i", str(overlay)]
    command = ["ansible-playbook", *inventories, str(ROOT / "playbooks" / playbook)]
    if extra:
        command += ["-e", json.dumps(extra)]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_the_sandbox_lab_passes_the_first_play(sandbox):
    rc, output = first_play(sandbox)
    assert rc == 0, output[-3000:]


CASES = [
    ("newline-in-a-property-value", {"kafka_properties": {"log.retention.hours": "1\nunclean.leader.election.enable=true"}},
     None, ["kafka_properties.log.retention.hours on hadoop-master (server)", "control character", "Fix:"]),
    ("identity-in-a-broker's-properties", None,
     {"hadoop-slave1": "kafka_brokers: [{name: server, id: 2, properties: {broker.id: 9}}]"},
     ["kafka_brokers[0].properties on hadoop-slave1 (server): sets broker.id", "Fix:"]),
    ("configuration-in-a-system-directory", {"kafka_conf_dir": "/etc"}, None,
     ["kafka_conf_dir on hadoop-master: /etc is a directory of the operating system", "Fix:"]),
    ("zookeeper-data-on-kafka-data", None, {"hadoop-slave2": "zookeeper_data_dir: /var/lib/kafka"},
     ["on hadoop-slave2: /var/lib/kafka is", "Fix:"]),
    ("zookeeper-client-port-on-a-kafka-port", None, {"hadoop-master": "zookeeper_client_port: 9092"},
     ["on hadoop-master: port 9092 is also", "Fix:"]),
    ("internal-topic-name", {"kafka_topics_list": [{"name": "__mine"}]}, None,
     ["kafka_topics_list (__mine) on all hosts", "Fix: rename it"]),
    ("version-with-a-trailing-newline", {"kafka_version": "3.9.2\n"}, None,
     ["kafka_version on hadoop-master: '3.9.2", "is not a release number", "Fix:"]),
    ("newline-in-jvm-options", {"zookeeper_jvm_flags": "-Dx=1\nExecStartPre=/bin/true"}, None,
     ["zookeeper settings.zookeeper_jvm_flags on hadoop-master", "Fix:"]),
    ("mistyped-port-by-argument-spec", None, {"hadoop-master": "kafka_port: [9092]"},
     ["kafka_port", "list", "int"]),
    ("mistyped-flag-by-argument-spec", {"kafka_replaced_disks": "all"}, None,
     ["kafka_replaced_disks", "int"]),
    ("commands-as-one-string", {"kafka_cli_tools": "kafka-topics.sh"}, None,
     ["kafka_cli_tools on hadoop-master: 'kafka-topics.sh' is not a list of command names", "Fix:"]),
    ("command-with-a-path", {"zookeeper_cli_tools": ["zkCli.sh", "../../etc/cron.d/zk"]}, None,
     ["zookeeper_cli_tools on hadoop-master: '../../etc/cron.d/zk' is not the file name", "Fix:"]),
    ("zookeeper-membership-in-properties", {"zookeeper_properties": {"server.9": "evil:2888:3888"}}, None,
     ["zookeeper_properties on hadoop-master: sets server.9", "Fix:"]),
    ("tls-material-in-a-system-directory", {"kafka_security": "tls", "kafka_security_dir": "/etc"}, None,
     ["kafka_security_dir on hadoop-master: /etc is a directory of the operating system", "Fix:"]),
    ("security-differs-between-hosts", None, {"hadoop-slave1": "kafka_security: tls"},
     ["kafka_security on hadoop-slave1: 'tls', but hadoop-master has 'plaintext'; the whole cluster speaks one "
      "protocol. Fix:"]),
]


# Cases one check of the first play catches run together: the run must name every one of them,
# which also proves that a check reports all it finds, not only the first.
RUNS = {
    "zookeeper-settings": ["newline-in-jvm-options", "zookeeper-membership-in-properties", "command-with-a-path"],
    "kafka-model": ["newline-in-a-property-value", "identity-in-a-broker's-properties", "security-differs-between-hosts"],
    "host-settings": ["configuration-in-a-system-directory", "zookeeper-data-on-kafka-data",
                      "zookeeper-client-port-on-a-kafka-port", "version-with-a-trailing-newline",
                      "commands-as-one-string"],
    "argument-specs": ["mistyped-port-by-argument-spec", "mistyped-flag-by-argument-spec"],
    "topics": ["internal-topic-name"],
    "tls-paths": ["tls-material-in-a-system-directory"],
}


def merged(names, cases):
    """The extra vars, host_vars and expected messages of the named cases, as one run."""
    extra, host_vars, expected = {}, {}, []
    chosen = [case for case in cases if case[0] in names]
    assert len(chosen) == len(names), f"unknown cases in {names}"
    for _, case_extra, case_host_vars, case_expected in chosen:
        assert not set(extra) & set(case_extra or {}), f"two cases of {names} set the same variable"
        extra.update(case_extra or {})
        for host, text in (case_host_vars or {}).items():
            host_vars[host] = f"{host_vars[host]}\n{text}" if host in host_vars else text
        expected += case_expected
    return extra or None, host_vars or None, expected


def test_every_case_is_run():
    assert sorted(name for names in RUNS.values() for name in names) == sorted(case[0] for case in CASES)


@pytest.mark.parametrize("names", RUNS.values(), ids=RUNS.keys())
def test_the_first_play_refuses(sandbox, names):
    extra, host_vars, expected = merged(names, CASES)
    rc, output = first_play(sandbox, extra, host_vars)
    assert rc != 0, output[-2000:]
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"


def test_settings_that_trade_safety_away_and_unknown_names_are_said_but_accepted(sandbox):
    rc, output = first_play(sandbox, {"kafka_properties": {"unclean.leader.election.enable": True,
                                                           "log.retention.hour": 12}})
    assert rc == 0, output[-3000:]
    assert "WARNING: unclean.leader.election.enable on hadoop-master (server)" in output
    assert "WARNING: kafka_properties" in output
    assert "log.retention.hour (did you mean log.retention.hours?)" in output


def test_remote_jmx_without_a_password_is_refused(sandbox):
    rc, output = first_play(sandbox, host_vars={"hadoop-slave2": "kafka_brokers: [{name: server, id: 3, jmx_port: 9999}]"})
    assert rc != 0, output[-2000:]
    assert "kafka_jmx_password on hadoop-slave2: a broker sets jmx_port" in output
    assert "Fix:" in output


@pytest.fixture(scope="module")
def kraft_sandbox(tmp_path_factory):
    """The same three hosts as a KRaft cluster: a controller and a broker on each, no ZooKeeper."""
    path = tmp_path_factory.mktemp("kraft")
    hosts = "".join(f"        {host}:\n" for host in HOSTS)
    (path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: local\n    ansible_become: false\n"
        f"    ansible_python_interpreter: {sys.executable}\n"
        f"  children:\n    kafka_controllers:\n      hosts:\n{hosts}    kafka:\n      hosts:\n{hosts}"
        "    zookeeper:\n      hosts: {}\n")
    (path / "host_vars").mkdir()
    for index, host in enumerate(HOSTS, start=1):
        (path / "host_vars" / f"{host}.yml").write_text(f"kafka_broker_id: {index}\nkafka_controller_id: {1000 + index}\n")
    (path / "group_vars").mkdir()
    (path / "group_vars" / "all.yml").write_text(
        "kafka_mode: kraft\nkafka_version: '4.4.0'\nkafka_heap: 320m\nkafka_controller_heap: 256m\n")
    return path


def test_a_kraft_inventory_passes_the_first_play(kraft_sandbox):
    rc, output = first_play(kraft_sandbox)
    assert rc == 0, output[-3000:]


def test_property_names_are_judged_by_the_release_deployed(kraft_sandbox):
    # A name 4.x added is known; one it removed (3.9 still had it) is not.
    rc, output = first_play(kraft_sandbox, {"kafka_properties": {"group.streams.max.size": 200,
                                                                 "controlled.shutdown.max.retries": 3}})
    assert rc == 0, output[-3000:]
    assert "Kafka 4.4.0 does not know: controlled.shutdown.max.retries." in output, output[-3000:]
    assert "group.streams.max.size" not in output.split("does not know:")[1]


KRAFT_CASES = [
    ("controller-id-of-a-broker", None, {"hadoop-slave1": "kafka_controller_id: 3"},
     ["kafka_controller_id on hadoop-slave1: 3 is already the id of the broker on hadoop-slave2", "Fix:"]),
    ("kafka-4-in-zookeeper-mode", {"kafka_mode": "zookeeper"}, None,
     ["kafka_mode on all hosts: zookeeper, but Kafka 4.4.0 has no ZooKeeper mode", "Fix: set kafka_mode: kraft"]),
    ("kraft-before-3.9", {"kafka_version": "3.8.1"}, None,
     ["kafka_version on hadoop-master: KRaft mode here needs Kafka 3.9 or later", "Fix:"]),
    ("unknown-mode-by-argument-spec", {"kafka_mode": "kraf"}, None, ["kafka_mode", "kraf"]),
    ("controller-port-on-the-broker-port", {"kafka_controller_port": 9092}, None,
     ["kafka_controller_port on hadoop-master: 9092 is also a port of broker server", "Fix:"]),
    ("controller-settings-kafka-cannot-read", None,
     {"hadoop-slave2": "kafka_controller_properties: {min.insync.replicas: abc, unclean.leader.election.enable: 'yes'}"},
     ["kafka_controller_properties.min.insync.replicas on hadoop-slave2: 'abc' is not a whole number",
      "kafka_controller_properties.unclean.leader.election.enable on hadoop-slave2: 'yes' is not true or false"]),
]


# The mode and version cases set the same variables, so only the controllers' share a run.
KRAFT_RUNS = {
    "controllers": ["controller-id-of-a-broker", "controller-port-on-the-broker-port",
                    "controller-settings-kafka-cannot-read"],
    "kafka-4-in-zookeeper-mode": ["kafka-4-in-zookeeper-mode"],
    "kraft-before-3.9": ["kraft-before-3.9"],
    "unknown-mode-by-argument-spec": ["unknown-mode-by-argument-spec"],
}


def test_every_kraft_case_is_run():
    assert sorted(name for names in KRAFT_RUNS.values() for name in names) == sorted(c[0] for c in KRAFT_CASES)


@pytest.mark.parametrize("names", KRAFT_RUNS.values(), ids=KRAFT_RUNS.keys())
def test_the_first_play_refuses_kraft_inventories_that_cannot_work(kraft_sandbox, names):
    extra, host_vars, expected = merged(names, KRAFT_CASES)
    rc, output = first_play(kraft_sandbox, extra, host_vars)
    assert rc != 0, output[-2000:]
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"


# Where the migration sandbox's nodes keep what they were given: not under /tmp, since the first
# play refuses configuration and releases on a volatile file system.
SCRATCH = ROOT / "build" / f"first-play-{os.getpid()}"


@pytest.fixture(scope="module")
def migration_sandbox(tmp_path_factory):
    """The course's ZooKeeper-mode hosts, each also listed as a KRaft controller as
    migrate-to-kraft.yml wants them, with a scratch configuration directory (SCRATCH/conf) the
    tests put the properties a node was last given in."""
    path = tmp_path_factory.mktemp("migration")
    conf = SCRATCH / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    hosts = "".join(f"        {host}:\n" for host in HOSTS)
    (path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: local\n    ansible_become: false\n"
        f"    ansible_python_interpreter: {sys.executable}\n"
        f"  children:\n    zookeeper:\n      hosts:\n{hosts}    kafka:\n      hosts:\n{hosts}"
        f"    kafka_controllers:\n      hosts:\n{hosts}")
    (path / "host_vars").mkdir()
    for index, host in enumerate(HOSTS, start=1):
        (path / "host_vars" / f"{host}.yml").write_text(
            f"zookeeper_id: {index}\nkafka_broker_id: {index}\nkafka_controller_id: {1000 + index}\n")
    (path / "group_vars").mkdir()
    (path / "group_vars" / "all.yml").write_text(
        f"kafka_heap: 320m\nkafka_controller_heap: 256m\nzookeeper_heap: 128m\nkafka_quorum: static\n"
        f"kafka_conf_dir: {conf}\n")
    yield path
    shutil.rmtree(SCRATCH, ignore_errors=True)


@pytest.mark.parametrize(("extra", "given", "expected"), [
    (None, "process.roles=broker\nnode.id=1\n",
     "kafka_mode on hadoop-master: zookeeper, but {conf}/server.properties runs in KRaft mode (process.roles=broker)"),
    (None, "broker.id=1\nzookeeper.connect=hadoop-master:2181/kafka\nzookeeper.metadata.migration.enable=true\n",
     "kafka_mode on hadoop-master: zookeeper, but {conf}/server.properties is being migrated to KRaft"),
    ({"kafka_mode": "kraft"}, "broker.id=1\nzookeeper.connect=hadoop-master:2181/kafka\n",
     "kafka_mode on hadoop-master: kraft, but {conf}/server.properties is a ZooKeeper-mode broker"),
], ids=["zookeeper-mode-over-a-migrated-broker", "zookeeper-mode-over-a-migrating-broker",
        "kraft-mode-over-a-zookeeper-broker"])
def test_cluster_yml_refuses_a_mode_the_nodes_do_not_run_in(migration_sandbox, extra, given, expected):
    conf = SCRATCH / "conf"
    (conf / "server.properties").write_text(given)
    try:
        rc, output = first_play(migration_sandbox, extra)
    finally:
        (conf / "server.properties").unlink()
    assert rc != 0, output[-2000:]
    assert expected.format(conf=conf) in output, output[-3000:]
    assert "Fix:" in output


def test_the_migration_refuses_what_it_cannot_take_before_any_change(migration_sandbox):
    # Read-only up to the refusal: the first play, then where the migration stands and its checks.
    rc, output = first_play(migration_sandbox, {"kafka_quorum": "dynamic", "kafka_version": "3.8.1"},
                            {"hadoop-slave1": "kafka_controller_id: 3", "hadoop-slave2": "kafka_zookeeper_chroot: /other"},
                            playbook="migrate-to-kraft.yml")
    assert rc != 0, output[-2000:]
    assert "The migration is at step 1 of 4 (controllers): every broker in ZooKeeper mode, no controller yet" in output
    for text in ["kafka_version on all hosts: 3.8.1; the migration runs on Kafka 3.9",
                 "kafka_quorum on all hosts: dynamic; the migration forms a static quorum",
                 "kafka_controller_id on hadoop-slave1: 3 is already the id of the broker on hadoop-slave2",
                 "kafka_zookeeper_chroot on all hosts: the brokers use 2 different ZooKeeper"]:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"
    assert "Install Java" not in output


def test_the_migration_refuses_an_unknown_last_step(migration_sandbox):
    rc, output = first_play(migration_sandbox, {"kafka_migration_until": "everything"}, playbook="migrate-to-kraft.yml")
    assert rc != 0, output[-2000:]
    assert "kafka_migration_until" in output, output[-3000:]
    assert "everything" in output, output[-3000:]


def test_the_migration_refuses_brokers_running_another_release(migration_sandbox):
    # The sandbox runs no Kafka at all: no release behind kafka_home.
    rc, output = first_play(migration_sandbox, {"kafka_home": str(SCRATCH / "no-kafka")},
                            playbook="migrate-to-kraft.yml")
    assert rc != 0, output[-2000:]
    assert "kafka_version on hadoop-master: the brokers run no release, the inventory says 3.9.2" in output, output[-3000:]
    assert "Install Java" not in output


def test_the_migration_refuses_a_cluster_that_is_not_healthy(migration_sandbox):
    # The inventory's release behind kafka_home, but no broker answers.
    release = SCRATCH / "kafka_2.13-3.9.2"
    release.mkdir(exist_ok=True)
    home = SCRATCH / "kafka"
    if not home.is_symlink():
        home.symlink_to(release)
    rc, output = first_play(migration_sandbox, {"kafka_home": str(home), "kafka_migration_health_timeout": 1},
                            playbook="migrate-to-kraft.yml")
    assert rc != 0, output[-2000:]
    assert "check that every broker is registered and every partition in sync" in output, output[-3000:]
    assert "no broker answers (hadoop-master:9092" in output, output[-3000:]
    assert "Install Java" not in output
