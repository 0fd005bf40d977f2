"""What a systemd unit runs, and whether its process runs the current content of its inputs.

Shared by the unit_state module and by config_files, which reports the units' state right after
writing their configuration so that a run needs no second round trip to learn what is stale."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

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


def process_start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks after boot: unaffected by wall-clock steps."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    # Field 22 of stat(5) is the start time in clock ticks after boot; fields[0] is field 3.
    return int(fields[19])


def boot_id() -> str:
    with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
        return handle.read().strip()


def without_keys(content: bytes, keys: list[str]) -> bytes:
    """The content without the lines that set one of keys (key=value or key: value)."""
    if not keys:
        return content
    pattern = re.compile(rb"^\s*(?:" + b"|".join(re.escape(key.encode()) for key in keys) + rb")\s*[=:]")
    return b"".join(line for line in content.splitlines(keepends=True) if not pattern.match(line))


def inputs_digest(paths: list[str], volatile_keys: list[str] | None = None) -> str:
    """One digest of every input's path and content (a symlink's target, not what it points to),
    leaving out the lines of volatile_keys: settings the process reads only when it starts and
    whose change alone is no reason to restart it."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0")
        try:
            if os.path.islink(path):
                digest.update(b"link:" + os.readlink(path).encode())
            elif os.path.isdir(path):
                digest.update(b"dir")
            else:
                with open(path, "rb") as handle:
                    digest.update(b"file:" + without_keys(handle.read(), volatile_keys or []))
        except FileNotFoundError:
            digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()


def record_path(directory: str, unit: str) -> str:
    return os.path.join(directory, unit + ".json")


def read_record(directory: str, unit: str) -> dict:
    try:
        with open(record_path(directory, unit), encoding="utf-8") as handle:
            record = json.load(handle)
        return record if isinstance(record, dict) else {}
    except (FileNotFoundError, ValueError):
        return {}


def write_record(directory: str, unit: str, record: dict) -> None:
    os.makedirs(directory, mode=0o755, exist_ok=True)
    temporary = record_path(directory, unit) + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(temporary, record_path(directory, unit))


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


def describe(unit: dict, record_dir: str, record: bool, check_mode: bool, boot: str) -> dict:
    props = systemctl_show(unit["name"])
    active = props.get("ActiveState") == "active"
    pid = int(props.get("MainPID") or 0)
    ticks = process_start_ticks(pid) if active and pid else None
    inputs = unit.get("inputs") or []
    digest = inputs_digest(inputs, unit.get("volatile_keys"))
    # A record written before volatile_keys were left out holds the digest of the whole content.
    accepted = {digest, inputs_digest(inputs)} if unit.get("volatile_keys") else {digest}
    kept = read_record(record_dir, unit["name"])
    same_process = ticks is not None and kept.get("boot_id") == boot and kept.get("start_ticks") == ticks
    judged_by = "none"
    stale = False
    if ticks is not None:
        if record:
            judged_by, stale = "recorded now", False
        elif same_process:
            judged_by, stale = "digest", kept.get("digest") not in accepted
        else:
            # No record of what this process read: it runs the current content only if no
            # input changed after it started (a tick of slack: start times are rounded down).
            started = boot_time() + ticks / os.sysconf("SC_CLK_TCK")
            judged_by, stale = "file times", newest_input(inputs)[1] > started + 0.01
        if not stale and not check_mode and not (same_process and kept.get("digest") == digest):
            write_record(record_dir, unit["name"], {"boot_id": boot, "start_ticks": ticks, "digest": digest,
                                                    "inputs": inputs})
    return {
        **{key: value for key, value in unit.items() if key not in ("inputs", "volatile_keys")},
        "name": unit["name"],
        "loaded": props.get("LoadState") == "loaded",
        "active": active,
        "enabled": props.get("UnitFileState") == "enabled",
        "failed": props.get("ActiveState") == "failed",
        "main_pid": pid,
        "start_ticks": ticks,
        "need_daemon_reload": props.get("NeedDaemonReload") == "yes",
        "digest": digest,
        "judged_by": judged_by,
        "stale": stale,
    }


def describe_units(units: list[dict], record_dir: str, record: bool, check_mode: bool) -> dict:
    """The state of every unit, the names of the stale ones and whether systemd needs a reload."""
    boot = boot_id() if units else ""
    states = [describe(unit, record_dir, record, check_mode, boot) for unit in units]
    return {
        "units": states,
        "stale": [state["name"] for state in states if state["stale"]],
        "need_daemon_reload": any(state["need_daemon_reload"] for state in states),
    }


# What describe_units raises when a unit's state cannot be read.
ERRORS = (OSError, ValueError, subprocess.CalledProcessError, RuntimeError)
