"""Helpers shared by the molecule scenarios' testinfra suites: the scenario's inventory, its
hosts, running the project's playbooks against them, and reading service state."""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import testinfra

PROJECT = Path(__file__).resolve().parent.parent


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
                 inventories: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run one of the project's playbooks against the scenario's hosts (plus any extra inventory
    sources); prints its duration."""
    command = ["ansible-playbook", "-i", inventory()]
    for extra in inventories:
        command += ["-i", extra]
    command += [str(PROJECT / "playbooks" / playbook), *args]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                            cwd=PROJECT,
                            env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", **(env or {})})
    print(f"\n$ {shlex.join(command)}\n  -> rc {result.returncode} in {time.monotonic() - started:.1f} s")
    return result


def recap(output: str) -> dict[str, dict[str, int]]:
    """Per host, the counters of the PLAY RECAP lines."""
    counters = {}
    for line in output.splitlines():
        if ": ok=" in line:
            name, _, rest = line.partition(":")
            counters[name.strip()] = {k: int(v) for k, v in (item.split("=") for item in rest.split())}
    return counters


def process_started(target: Any, unit: str) -> int:
    """When the unit's current process started (monotonic microseconds; comparable across the
    containers of one machine, which share its clock)."""
    value = target.check_output(f"systemctl show {unit} -p ActiveEnterTimestampMonotonic --value")
    return int(value)


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
