"""The SSH path, as real hosts are reached: inventories/lab-ssh (the shape of
inventories/example-ssh) logs in over SSH with a key as a user that becomes root through sudo.
The cluster is deployed that way, re-run with no change, verified and rolled. In file order."""

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import testinfra
from scenario_support import process_started, stop_began

PROJECT = Path(__file__).resolve().parents[3]
LAB = os.environ.get("LAB_NAME", "kafkalab-molecule")
PORT_BASE = os.environ.get("LAB_SSH_PORT_BASE", "2210")
INVENTORY = str(PROJECT / "inventories" / "lab-ssh")
EXTRA = ("-e", f"lab_name={LAB}", "-e", f"lab_ssh_port_base={PORT_BASE}")
HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
ENV = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}


def inside(name):
    """The host seen from its container (root), to check what the SSH runs left behind."""
    return testinfra.get_host(f"docker://{LAB}-{name}")


def playbook(name, *args):
    command = ["ansible-playbook", "-i", INVENTORY, *EXTRA, str(PROJECT / "playbooks" / name), *args]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, env=ENV, timeout=900, check=False)
    print(f"\n$ ansible-playbook {name} {' '.join(args)} (over SSH) -> rc {result.returncode} "
          f"in {time.monotonic() - started:.1f} s")
    return result


def on_every_host(*args):
    """Per host, the output of an ad-hoc command run over SSH."""
    env = {**ENV, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    result = subprocess.run(["ansible", "-i", INVENTORY, *EXTRA, "all", *args], capture_output=True, text=True,
                            cwd=PROJECT, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # The timer callback prints its line after the JSON document.
    hosts = json.JSONDecoder().raw_decode(result.stdout)[0]["plays"][0]["tasks"][0]["hosts"]
    return {name: outcome["stdout"] for name, outcome in hosts.items()}


def started(name, unit):
    return process_started(inside(name), unit)


def test_01_the_hosts_take_a_key_not_a_password_and_the_user_becomes_root_through_sudo():
    assert on_every_host("-m", "ansible.builtin.command", "-a", "id -un") == dict.fromkeys(HOSTS, "deploy")
    assert on_every_host("-b", "-m", "ansible.builtin.command", "-a", "id -un") == dict.fromkeys(HOSTS, "root")
    for name in HOSTS:
        settings = inside(name).check_output("sshd -T")
        assert "passwordauthentication no" in settings
        assert "permitrootlogin no" in settings
        assert "Accepted publickey for deploy" in inside(name).check_output("journalctl -u ssh --no-pager")


def test_02_the_cluster_deploys_over_ssh():
    result = playbook("cluster.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in HOSTS:
        host = inside(name)
        for unit, user in (("zookeeper", "zookeeper"), ("kafka@server", "kafka")):
            assert host.service(unit).is_running, f"{unit} on {name}"
            pid = host.check_output(f"systemctl show {unit} -p MainPID --value")
            assert host.check_output(f"ps -o user= -p {pid}") == user, f"{unit} on {name} runs as another user"


def test_03_a_second_run_changes_nothing_and_the_bench_measures_it_and_the_cluster(tmp_path):
    """tools/bench.py --short (make bench's form for CI): a re-run of cluster.yml, refused unless
    it changed nothing, then a small throughput run of Kafka's tools and the verifier."""
    before = {name: started(name, "kafka@server") for name in HOSTS}
    # The verifier's own run over SSH is the next test.
    command = [sys.executable, str(PROJECT / "tools" / "bench.py"), "--short", "--json", "--inventory", INVENTORY,
               "--out", str(tmp_path), *(f"--extra-vars={value}" for value in (*EXTRA[1::2], "cluster_verify=false"))]
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, env=ENV, timeout=900, check=False)
    print(result.stderr)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["operations"]["no_op"]["changed"] == 0
    assert report["operations"]["no_op"]["tasks_max_host"] > 0
    figures = report["throughput"]["inventory"][0]
    assert figures["setup"]["replication_factor"] == 3
    assert figures["producer_perf"]["records"] == figures["consumer_perf"]["records"] == 5000
    assert figures["producer_perf"]["mb_per_s"] > 0
    assert figures["verifiable_producer"]["records"] == figures["verifiable_consumer"]["records"] == 2000
    assert (figures["verifier"]["result"], figures["verifier"]["lost"]) == ("ok", 0)
    assert {path.name for path in tmp_path.iterdir()} >= {"bench.json", "bench.md", "bench.svg"}
    print((tmp_path / "bench.md").read_text())
    assert {name: started(name, "kafka@server") for name in HOSTS} == before


def test_04_the_verifier_reads_back_every_acknowledged_message(tmp_path):
    report_path = tmp_path / "report.json"
    result = playbook("verify.yml", "-e", "verify_messages=3000", "-e", f"verify_report_path={report_path}")
    assert result.returncode == 0, result.stdout[-3000:]
    counts = json.loads(report_path.read_text())["counts"]
    print(f"verifier over SSH: {counts}")
    assert counts["acked"] == counts["read"] == 9000
    assert counts["lost"] == 0


def test_05_a_rolling_restart_over_ssh_restarts_every_broker_one_at_a_time():
    before = {name: started(name, "kafka@server") for name in HOSTS}
    result = playbook("rolling-restart.yml", "-e", "rolling_restart=kafka")
    assert result.returncode == 0, result.stdout[-3000:]
    after = {name: started(name, "kafka@server") for name in HOSTS}
    assert all(after[name] > before[name] for name in HOSTS), "a broker was not restarted"
    for earlier, later in itertools.pairwise(sorted(HOSTS, key=after.get)):
        assert stop_began(inside(later), "kafka@server") > after[earlier], f"{later} stopped before {earlier} was back"
