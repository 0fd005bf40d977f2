#!/usr/bin/python
"""Read-only look at a host before anything is changed on it."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import stat

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: host_probe
short_description: Read small files, stat paths and look up users without changing anything
description:
  - Gathers in one round trip what the roles need to validate a host and to skip work that is
    already done, so a re-run costs one task instead of one per path.
options:
  read:
    description: Paths of small text files to read (missing files give null).
    type: list
    elements: path
    default: []
  stat:
    description: Paths to stat without following a final symlink.
    type: list
    elements: path
    default: []
  users:
    description: User names to look up.
    type: list
    elements: str
    default: []
  read_keys:
    description:
      - Paths of key=value files (Java properties) of which only the lines of I(keys) are
        returned, so that whatever else they hold (passwords) never leaves the host.
    type: list
    elements: path
    default: []
  keys:
    description: The keys kept from the files of I(read_keys).
    type: list
    elements: str
    default: []
  max_bytes:
    description: Largest file content returned.
    type: int
    default: 65536
author: kafka-toolkit
"""

RETURN = r"""
files:
  description: Path to content (null when the file does not exist), for read and read_keys.
  type: dict
  returned: always
paths:
  description: Path to exists, isdir, islnk, link_target, owner, group, mode.
  type: dict
  returned: always
users:
  description: User name to exists.
  type: dict
  returned: always
mem_total_mb:
  description: Physical memory of the host in MiB.
  type: int
  returned: always
cpu_count:
  description: CPUs of the host.
  type: int
  returned: always
"""


def read_file(path: str, max_bytes: int) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(max_bytes)
    except FileNotFoundError:
        return None


def kept_lines(content: str, keys: set[str]) -> str:
    """The key=value lines of a properties text whose key is in keys; a kept line's continuation
    lines (after a trailing backslash) stay with it, a dropped line's go with it."""
    kept: list[str] = []
    keep = continued = False
    for line in content.splitlines():
        if not continued:
            stripped = line.lstrip()
            key = re.split(r"\s*[=:\s]", stripped, maxsplit=1)[0]
            keep = bool(stripped) and stripped[0] not in "#!" and key in keys
        if keep:
            kept.append(line)
        continued = (len(line) - len(line.rstrip("\\"))) % 2 == 1
    return "".join(f"{line}\n" for line in kept)


def read_keys(path: str, keys: set[str], max_bytes: int) -> str | None:
    content = read_file(path, max_bytes)
    return None if content is None else kept_lines(content, keys)


def describe_path(path: str) -> dict:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False}
    owner: str | int = info.st_uid
    group: str | int = info.st_gid
    with contextlib.suppress(KeyError):
        owner = pwd.getpwuid(info.st_uid).pw_name
    with contextlib.suppress(KeyError):
        group = grp.getgrgid(info.st_gid).gr_name
    islnk = stat.S_ISLNK(info.st_mode)
    return {
        "exists": True,
        "isdir": stat.S_ISDIR(info.st_mode),
        "islnk": islnk,
        "link_target": os.readlink(path) if islnk else None,
        "owner": owner,
        "group": group,
        "mode": format(stat.S_IMODE(info.st_mode), "04o"),
    }


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def mem_total_mb() -> int:
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "read": {"type": "list", "elements": "path", "default": []},
            "stat": {"type": "list", "elements": "path", "default": []},
            "users": {"type": "list", "elements": "str", "default": []},
            "read_keys": {"type": "list", "elements": "path", "default": []},
            "keys": {"type": "list", "elements": "str", "default": []},
            "max_bytes": {"type": "int", "default": 65536},
        },
        supports_check_mode=True,
    )
    params = module.params
    module.exit_json(
        changed=False,
        files={**{path: read_file(path, params["max_bytes"]) for path in params["read"]},
               **{path: read_keys(path, set(params["keys"]), params["max_bytes"]) for path in params["read_keys"]}},
        paths={path: describe_path(path) for path in params["stat"]},
        users={name: user_exists(name) for name in params["users"]},
        mem_total_mb=mem_total_mb(),
        cpu_count=os.cpu_count() or 1,
    )


if __name__ == "__main__":
    main()
