"""Helpers shared by the molecule scenarios' testinfra suites: the scenario's inventory, its
hosts, running the project's playbooks against them, and reading service state."""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import testinfra

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tools"))
from bench import recap  # noqa: E402 - the one reader of a PLAY RECAP, tools/bench.py's

__all__ = ["recap"]
# Where the scenarios leave the plots of their runs under load (build/ is never committed).
PLOTS = PROJECT / "build" / "plots"


def inventory() -> str:
    """The scenario's inventory directory (hosts plus the linked group_vars and host_vars)."""
    path = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not path:
        raise RuntimeError("MOLECULE_INVENTORY_FILE is not set: run these tests through molecule verify")
    return str(Path(path).parent)


@functools.cache
def inventory_data() -> dict[str, Any]:
    output = subprocess.run(["ansible-inventory", "-i", inventory(), "--list"], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(output)


def group(name: str) -> list[str]:
    return sorted(inventory_data().get(name, {}).get("hosts", []))


def hostvars(name: str) -> dict[str, Any]:
    return inventory_data()["_meta"]["hostvars"].get(name, {})


@functools.cache
def host(name: str) -> Any:
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={inventory()}")


def run_playbook(playbook: str, *args: str, timeout: int = 900, env: dict[str, str] | None = None,
                 inventories: tuple[str, ...] = (), main_inventory: str | None = None) -> subprocess.CompletedProcess:
    """Run one of the project's playbooks against the scenario's hosts (plus any extra inventory
    sources; main_inventory in place of the scenario's); prints its duration."""
    command = ["ansible-playbook", "-i", main_inventory or inventory()]
    for extra in inventories:
        command += ["-i", extra]
    command += [str(PROJECT / "playbooks" / playbook), *args]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                            cwd=PROJECT,
                            env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", **(env or {})})
    print(f"\n$ {shlex.join(command)}\n  -> rc {result.returncode} in {time.monotonic() - started:.1f} s")
    return result


def process_started(target: Any, unit: str) -> int:
    """When the unit's current process started (monotonic microseconds; comparable across the
    containers of one machine, which share its clock)."""
    value = target.check_output(f"systemctl show {unit} -p ActiveEnterTimestampMonotonic --value")
    return int(value)


def assert_serving(target: Any, unit: str, port: int) -> None:
    """The unit runs, is enabled to start at boot, and listens on its port on every address."""
    service = target.service(unit)
    assert service.is_running, f"{unit} is not running"
    assert service.is_enabled, f"{unit} is not enabled"
    assert target.socket(f"tcp://0.0.0.0:{port}").is_listening, f"{unit}: nothing listens on port {port}"


def stop_began(target: Any, unit: str) -> int:
    """When the unit was last asked to stop (monotonic microseconds)."""
    return int(target.check_output(f"systemctl show {unit} -p ActiveExitTimestampMonotonic --value"))


def properties(target: Any, path: str) -> dict[str, str]:
    result = {}
    for line in target.file(path).content_string.splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            result[key] = value
    return result


@functools.cache
def _role_default(name: str) -> Any:
    import yaml

    return yaml.safe_load((PROJECT / "roles" / "kafka" / "defaults" / "main.yml").read_text())[name]


def security_protocol(name: str) -> str:
    """The protocol of the cluster's listeners, as the host's inventory sets kafka_security."""
    return "SSL" if hostvars(name).get("kafka_security", _role_default("kafka_security")) == "tls" else "PLAINTEXT"


def client_args(name: str, tool: str | None = None) -> tuple[str, ...]:
    """What a client on the host (Kafka's CLI, kafka-verify) adds to reach the listeners: the
    host's client file, which the kafka role writes in every mode. For one of Kafka's tools
    (kafka-console-producer.sh), the option that tool takes in the host's release, as the model
    says (kafka_model.client_config_option)."""
    if security_protocol(name) == "PLAINTEXT":
        return ()
    path = hostvars(name).get("kafka_client_config", _role_default("kafka_client_config"))
    if tool is None:
        return ("--command-config", path)
    for directory in (PROJECT, PROJECT / "plugins" / "filter"):
        if str(directory) not in sys.path:
            sys.path.append(str(directory))
    from kafka_model import client_config_option

    return (client_config_option(tool, hostvars(name).get("kafka_version", _role_default("kafka_version"))), path)


def verifier(target: Any, *args: str) -> tuple[int, dict[str, Any]]:
    """Run the installed kafka-verify on a host; returns its exit code and JSON report."""
    result = target.run("kafka-verify --json " + " ".join(shlex.quote(a) for a in args))
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    print(f"\nkafka-verify {' '.join(args)} -> rc {result.rc}: {report.get('reason')}")
    for phase in ("produce", "consume"):
        if phase in report:
            print(f"  {phase}: {report[phase]}")
    if "counts" in report:
        print(f"  counts: {report['counts']}")
    return result.rc, report


def zookeeper_mode(target: Any, port: int = 2181) -> str:
    script = (f"import socket; s = socket.create_connection(('127.0.0.1', {port}), 3); s.sendall(b'srvr'); "
              "print([l for l in s.makefile().read().splitlines() if l.startswith('Mode:')][0][6:])")
    return target.check_output(f'python3 -c "{script}"')


def task_results(json_output: str, task_name: str) -> list[dict[str, Any]]:
    """Results of a task, by name, from the output of the json stdout callback."""
    data, _ = json.JSONDecoder().raw_decode(json_output[json_output.index("{"):])
    found = []
    for play in data["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].endswith(task_name):
                found.extend(task["hosts"].values())
    return found


def features(client: Any, bootstrap: str, *extra: str) -> dict[str, str]:
    """Finalized level of each feature, as Kafka's own tool reports it (extra: client_args)."""
    output = client.check_output(f"kafka-features.sh --bootstrap-server {bootstrap} {shlex.join(extra)} describe")
    levels = {}
    for line in output.splitlines():
        # "Feature: NAME   SupportedMinVersion: A   SupportedMaxVersion: B   FinalizedVersionLevel: C ..."
        fields = dict(zip(line.split()[::2], line.split()[1::2], strict=False))
        if "Feature:" in fields:
            levels[fields["Feature:"]] = fields["FinalizedVersionLevel:"]
    return levels


def assert_nothing_lost(rc: int, report: dict[str, Any], label: str) -> None:
    """The verdict of a run under load: every acknowledged message read back once, none unreadable."""
    print(f"\n{label}: {report.get('counts')}, longest ack stall {report.get('longest_ack_stall_s')} s")
    assert rc == 0, report.get("reason")
    assert report["counts"]["lost"] == 0
    assert report["counts"]["unavailable"] == 0
    assert report["counts"]["duplicated"] == 0


def plot_run(report: dict[str, Any], name: str, marks: list[tuple[str, float, float]]) -> Path | None:
    """Draw a continuous run's timeline from its report to build/plots/<name>.svg, each mark
    (label, start, end) in seconds since the epoch, shown from the start of production. A run
    that ended before production started has nothing to draw (its verdict fails the test)."""
    if "timeline" not in report or "produce_started_epoch" not in report:
        print(f"plot: none for {name}, the report has no timeline")
        return None
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    from kafka_verify import plot

    started = report["produce_started_epoch"]
    windows = [plot.Mark(label, max(start - started, 0.0), max(end - started, start - started + 1.0))
               for label, start, end in marks]
    PLOTS.mkdir(parents=True, exist_ok=True)
    path = PLOTS / f"{name}.svg"
    plot.write(str(path), plot.render_report(report, windows))
    print(f"plot: {path}")
    return path


def start_verifier(target: Any, name: str, *args: str) -> None:
    """Start kafka-verify in the background on a host; wait_verifier collects its report."""
    command = "kafka-verify --json " + " ".join(shlex.quote(a) for a in args)
    target.check_output(f"rm -f /root/{name}.json /root/{name}.rc; nohup sh -c '{command} > /root/{name}.out "
                        f"2>/root/{name}.err & echo $! > /root/{name}.pid; wait $!; echo $? > /root/{name}.rc; "
                        f"mv /root/{name}.out /root/{name}.json' >/dev/null 2>&1 &")


def stop_verifier(target: Any, name: str) -> None:
    """End a continuous run's writing now (SIGTERM): what it wrote is still read back and judged.
    Its --duration is then only the longest the writing may last."""
    target.check_output(f"kill -TERM $(cat /root/{name}.pid) 2>/dev/null || true")


def wait_verifier(target: Any, name: str, timeout: float = 600) -> tuple[int, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not target.file(f"/root/{name}.json").exists:
        if time.monotonic() > deadline:
            raise AssertionError(f"kafka-verify {name} did not finish in {timeout} s")
        time.sleep(2)
    rc = int(target.file(f"/root/{name}.rc").content_string.strip())
    text = target.file(f"/root/{name}.json").content_string
    return rc, json.loads(text) if text.strip() else {}


CLIENT_FILE = "/etc/kafka/client.properties"


def client_file(target: Any) -> dict[str, str]:
    """The host's client settings as the kafka role wrote them (empty where it wrote none)."""
    config = target.file(CLIENT_FILE)
    if not config.exists:
        return {}
    entries = (line.split("=", 1) for line in config.content_string.splitlines()
               if "=" in line and not line.lstrip().startswith(("#", "!")))
    return {key.strip(): value.strip() for key, value in entries}


def run_module(target: Any, module: str, args: dict[str, Any]) -> dict[str, Any]:
    """A module's result on the target's host, with failed set when it failed: the result file
    testinfra's host.ansible() reads leaves 'failed' out, so a failure there looks like success."""
    with tempfile.TemporaryDirectory() as tree:
        result = subprocess.run(["ansible", "-i", inventory(), target.backend.host, "-m", module,
                                 "-a", json.dumps(args), "--tree", tree],
                                capture_output=True, text=True, timeout=900, check=False, cwd=PROJECT,
                                env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"})
        files = os.listdir(tree)
        data = json.loads((Path(tree) / files[0]).read_text()) if files else {}
    if result.returncode != 0:
        data["failed"] = True
        data.setdefault("msg", (result.stdout + result.stderr)[-2000:])
    return data


def cluster_state(target: Any, bootstrap: str, expect: str = "", in_sync: bool = False,
                  timeout: int = 0) -> dict[str, Any]:
    """The kafka_cluster_state module run on a host, reaching the listeners as the host's client
    file says; waited says how long the conditions took, failed whether they were met."""
    args: dict[str, Any] = {"bootstrap": bootstrap.split(","), "timeout": timeout, "require_in_sync": in_sync,
                            "client": client_file(target)}
    if expect:
        args["expect_brokers"] = [int(item) for item in expect.split(",")]
    return run_module(target, "kafka_cluster_state", args)


MANAGED_STATE = (
    # Every file and link the roles manage, with content digests, owners and modes...
    "{ find /etc/kafka /etc/zookeeper /etc/systemd/system/kafka@.service /etc/systemd/system/zookeeper.service "
    "/etc/systemd/system/kafka@*.service.d /usr/local/bin /opt -maxdepth 2 \\( -type f -o -type l \\) "
    "-printf '%p %u:%g %m %l\\n' | sort; "
    "find /etc/kafka /etc/zookeeper /usr/local/bin -maxdepth 1 -type f -print0 | sort -z | xargs -0 sha256sum; "
    "sha256sum /etc/systemd/system/kafka@.service /etc/systemd/system/zookeeper.service "
    "/etc/systemd/system/kafka@*.service.d/*; "
    # ...the directories and data identities...
    "stat -c '%n %U:%G %a' /etc/kafka /etc/zookeeper /var/lib/kafka /var/lib/kafka/* /var/log/kafka /var/log/kafka/* "
    "/var/lib/zookeeper /var/log/zookeeper; "
    "sha256sum /var/lib/kafka/*/meta.properties /var/lib/zookeeper/myid; "
    # ...and when each service's process started.
    "systemctl show 'kafka@*' zookeeper -p Id -p ExecMainStartTimestampMonotonic -p ActiveState; } 2>/dev/null; true"
)


def managed_state(target: Any) -> str:
    """A snapshot of everything the toolkit manages on a host and of its processes' start times:
    equal snapshots before and after a run mean the run changed nothing and restarted nothing."""
    return target.check_output(MANAGED_STATE)
