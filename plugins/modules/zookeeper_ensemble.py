#!/usr/bin/python
"""Wait until a ZooKeeper ensemble has quorum, reading the mode of every node."""

from __future__ import annotations

import socket
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: zookeeper_ensemble
short_description: Read every node's mode with the srvr command and wait for a healthy quorum
description:
  - Healthy means exactly one leader and every other node a follower (or one standalone node
    for an ensemble of one). Fails after I(timeout) seconds with every node's mode.
options:
  servers:
    description:
      - List of dicts with C(id), C(address) (or C(host)) and C(client_port) (or C(port)), such as the
        nodes the zookeeper_nodes filter returns.
    type: list
    elements: dict
    required: true
  timeout:
    description: Seconds to wait for a healthy ensemble; 0 reads once.
    type: int
    default: 120
author: kafka-toolkit
"""

RETURN = r"""
modes:
  description: Node id (as a string) to its mode (leader, follower, standalone, or why it has none).
  type: dict
  returned: always
leader:
  description: Id of the leader (or of the standalone node), null when there is none.
  type: int
  returned: always
healthy:
  description: True when the ensemble has exactly one leader and the rest are followers.
  type: bool
  returned: always
waited:
  description: Seconds spent waiting.
  type: float
  returned: always
"""


def srvr(host: str, port: int, timeout: float = 3.0) -> str:
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(b"srvr")
        chunks = []
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def mode_of(host: str, port: int) -> str:
    try:
        reply = srvr(host, port)
    except OSError as error:
        return f"unreachable ({error})"
    for line in reply.splitlines():
        if line.startswith("Mode:"):
            return line.split(":", 1)[1].strip()
    if "not currently serving" in reply:
        return "not serving (no quorum)"
    if "is not executed because it is not in the whitelist" in reply:
        return "srvr not allowed (4lw.commands.whitelist)"
    return "no mode in reply: " + reply.strip()[:80]


def assess(modes: dict[str, str]) -> tuple[bool, int | None]:
    values = list(modes.values())
    leaders = [node for node, mode in modes.items() if mode in ("leader", "standalone")]
    if len(values) == 1 and values[0] == "standalone":
        return True, int(leaders[0])
    healthy = values.count("leader") == 1 and values.count("follower") == len(values) - 1
    return healthy, int(leaders[0]) if len(leaders) == 1 else None


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "servers": {"type": "list", "elements": "dict", "required": True},
            "timeout": {"type": "int", "default": 120},
        },
        supports_check_mode=True,
    )
    servers = module.params["servers"]
    started = time.monotonic()
    deadline = started + module.params["timeout"]
    while True:
        modes = {
            str(s["id"]): mode_of(s.get("address") or s["host"], int(s.get("client_port") or s["port"]))
            for s in servers
        }
        healthy, leader = assess(modes)
        if healthy or time.monotonic() >= deadline:
            break
        time.sleep(1)
    result = {
        "changed": False,
        "modes": modes,
        "leader": leader,
        "healthy": healthy,
        "waited": round(time.monotonic() - started, 1),
    }
    if not healthy:
        summary = ", ".join(f"{node}: {mode}" for node, mode in sorted(modes.items()))
        module.fail_json(
            msg=f"the ZooKeeper ensemble has no healthy quorum after {module.params['timeout']} s ({summary})",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
