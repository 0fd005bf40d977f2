#!/usr/bin/python
"""State of systemd services, and whether their running process predates their inputs."""

from __future__ import annotations

import os
import subprocess

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: unit_state
short_description: Report systemd units and whether each one runs an outdated configuration
description:
  - For every unit, reports whether it is active and enabled, its main process and when that
    process started, and whether any of its input files (configuration, unit file, the symlink
    to the installed version) changed after the process started.
  - Deciding restarts from this state rather than from "changed" events means an interrupted
    run still restarts what it left outdated on the next run, and a no-op run restarts nothing.
options:
  units:
    description:
      - List of dicts with C(name) (unit name) and C(inputs) (paths; symlinks are not followed).
      - Any other key (a label such as the instance it runs) is returned unchanged with the unit's state.
    type: list
    elements: dict
    required: true
author: kafka-toolkit
"""

RETURN = r"""
units:
  description:
    - Per unit, name, active, enabled, main_pid, started_at (epoch seconds), need_daemon_reload,
      newest_input and stale.
  type: list
  returned: always
stale:
  description: Names of the active units whose process started before one of its inputs last changed.
  type: list
  returned: always
need_daemon_reload:
  description: True when systemd has to reload unit files before starting or restarting.
  type: bool
  returned: always
"""

SHOW_PROPERTIES = ("ActiveState", "UnitFileState", "MainPID", "NeedDaemonReload", "LoadState")


def systemctl_show(unit: str) -> dict[str, str]:
    argv = ["systemctl", "show", unit, "--property=" + ",".join(SHOW_PROPERTIES)]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def boot_time() -> float:
    with open("/proc/stat", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("btime "):
                return float(line.split()[1])
    raise RuntimeError("no btime in /proc/stat")


def process_start(pid: int) -> float | None:
    """Epoch seconds at which the process started (clock-tick resolution)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    # Field 22 of stat(5) is the start time in clock ticks after boot; fields[0] is field 3.
    ticks = int(fields[19])
    return boot_time() + ticks / os.sysconf("SC_CLK_TCK")


def newest_input(paths: list[str]) -> tuple[str | None, float]:
    newest_path, newest = None, 0.0
    for path in paths:
        try:
            mtime = os.lstat(path).st_mtime
        except FileNotFoundError:
            continue
        if mtime > newest:
            newest_path, newest = path, mtime
    return newest_path, newest


def describe(unit: dict) -> dict:
    props = systemctl_show(unit["name"])
    active = props.get("ActiveState") == "active"
    pid = int(props.get("MainPID") or 0)
    started = process_start(pid) if active and pid else None
    path, mtime = newest_input(unit.get("inputs") or [])
    return {
        **{key: value for key, value in unit.items() if key != "inputs"},
        "name": unit["name"],
        "loaded": props.get("LoadState") == "loaded",
        "active": active,
        "enabled": props.get("UnitFileState") == "enabled",
        "main_pid": pid,
        "started_at": started,
        "need_daemon_reload": props.get("NeedDaemonReload") == "yes",
        "newest_input": path,
        "newest_input_mtime": mtime,
        # A tick of slack: the start time is rounded down to a clock tick.
        "stale": bool(started is not None and mtime > started + 0.01),
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={"units": {"type": "list", "elements": "dict", "required": True}},
        supports_check_mode=True,
    )
    try:
        units = [describe(unit) for unit in module.params["units"]]
    except (OSError, subprocess.CalledProcessError, RuntimeError) as error:
        module.fail_json(msg=f"could not read the state of the units: {error}")
    module.exit_json(
        changed=False,
        units=units,
        stale=[unit["name"] for unit in units if unit["stale"]],
        need_daemon_reload=any(unit["need_daemon_reload"] for unit in units),
    )


if __name__ == "__main__":
    main()
