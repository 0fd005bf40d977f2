#!/usr/bin/python
"""Read a KRaft controller quorum (leader, voters, observers, lag) with one DescribeQuorum request."""

from __future__ import annotations

import base64
import struct
import time

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.kafka_protocol import Reader, correlation_id, exchange, frame, use_client, uvarint
except ImportError:  # imported outside Ansible, by the unit tests
    from kafka_protocol import Reader, correlation_id, exchange, frame, use_client, uvarint

DOCUMENTATION = r"""
module: kafka_quorum_state
short_description: Wait until a KRaft controller quorum has a leader and its voters are caught up
description:
  - Speaks the Kafka protocol directly (DescribeQuorum, version 2, to the controllers' listener), so it
    needs neither a JVM nor a Python client on the host; the roles use it as the health gate of
    controller starts and restarts. In KRaft the active controller is the quorum's leader, not
    the controller a broker reports in its metadata.
  - With I(stopping), also checks that the quorum keeps a caught-up majority without that voter.
options:
  client:
    description:
      - How the listeners are reached, as in a client properties file (C(security.protocol) PLAINTEXT or SSL,
        C(ssl.truststore.type) PEM, C(ssl.truststore.location)); the cluster model's security.client_properties.
    type: dict
    default: {}
  bootstrap:
    description: Controllers to ask, as host:port of their controller listener; the first that answers is used.
    type: list
    elements: str
    required: true
  expect_voters:
    description: Node ids that must be voters of the quorum.
    type: list
    elements: int
    default: []
  max_lag:
    description: Records a voter may be behind the high watermark and still count as caught up.
    type: int
    default: 1000
  max_lag_ms:
    description:
      - Milliseconds (of the leader's clock) since a voter was last caught up for it to still count
        as caught up; a voter whose process is down stops fetching and ages past this.
    type: int
    default: 5000
  answering:
    description:
      - Controllers (host:port) that must answer a request themselves, e.g. one just restarted;
        until its process serves, the leader still shows its last fetch from before the restart.
    type: list
    elements: str
    default: []
  stopping:
    description:
      - Voter about to be stopped; fail unless a caught-up majority remains without it. A quorum
        of one or two voters cannot keep one, so there every voter must be caught up, and a
        warning says that metadata changes wait while it is down.
    type: int
  timeout:
    description: Seconds to wait for the conditions; 0 checks once.
    type: int
    default: 120
  allow_unreachable:
    description: Report C(reachable=false) instead of failing when no controller answers.
    type: bool
    default: false
  report_only:
    description: Report what is wrong in C(problems) instead of failing (a read before any change).
    type: bool
    default: false
author: kafka-toolkit
"""

RETURN = r"""
leader:
  description: Node id of the quorum's leader, the active controller (-1 when none).
  type: int
  returned: always
epoch:
  description: Leader epoch.
  type: int
  returned: always
high_watermark:
  description: High watermark of the metadata log.
  type: int
  returned: always
voters:
  description: Voters with log end offset and lag behind the high watermark.
  type: list
  returned: always
observers:
  description: Observers (brokers, and controllers not yet voters) with their lag.
  type: list
  returned: always
reachable:
  description: Whether a controller answered.
  type: bool
  returned: always
problems:
  description: What keeps the quorum from being healthy (empty when it is).
  type: list
  returned: always
"""

API_DESCRIBE_QUORUM = 55
VERSION = 2  # v2 (KIP-853, Kafka 3.9) adds each replica's directory id, which removing a voter needs
METADATA_TOPIC = "__cluster_metadata"
NOT_LEADER_OR_FOLLOWER = 6


def describe_quorum_request(correlation_id: int, client_id: str = "kafka-toolkit") -> bytes:
    topic = METADATA_TOPIC.encode()
    # Request header v2 is v1's (the client id keeps its int16 length) and tagged fields.
    body = (uvarint(0)
            + uvarint(2) + uvarint(len(topic) + 1) + topic
            + uvarint(2) + struct.pack(">i", 0) + uvarint(0)  # partition 0 and its tagged fields
            + uvarint(0)  # the topic's tagged fields
            + uvarint(0))  # the request's tagged fields
    return frame(API_DESCRIBE_QUORUM, VERSION, correlation_id, body, client_id)


def parse_describe_quorum(data: bytes, correlation_id: int) -> dict:
    reader = Reader(data)
    if reader.int32() != correlation_id:
        raise ValueError("response does not match the request")
    reader.tagged_fields()
    error = reader.int16()
    reader.compact_string()  # v2: the error's message

    def replica() -> dict:
        node = reader.int32()
        directory = base64.urlsafe_b64encode(reader.data[reader.pos:reader.pos + 16]).decode().rstrip("=")
        reader.pos += 16
        state = {"id": node, "directory_id": directory, "log_end_offset": reader.int64(),
                 "last_fetch_ms": reader.int64(), "last_caught_up_ms": reader.int64()}
        reader.tagged_fields()
        return state

    def partition() -> dict:
        result = {"partition": reader.int32(), "error": reader.int16(),
                  "error_message": reader.compact_string(),  # v2
                  "leader": reader.int32(),
                  "epoch": reader.int32(), "high_watermark": reader.int64(),
                  "voters": reader.compact_array(replica), "observers": reader.compact_array(replica)}
        reader.tagged_fields()
        return result

    def topic() -> dict:
        result = {"name": reader.compact_string(), "partitions": reader.compact_array(partition)}
        reader.tagged_fields()
        return result

    topics = reader.compact_array(topic)
    if error:
        raise ValueError(f"DescribeQuorum failed with error code {error}")
    for item in topics:
        for part in item["partitions"]:
            if part["error"] == NOT_LEADER_OR_FOLLOWER:
                raise ValueError("not the quorum's leader")
            if part["error"]:
                raise ValueError(f"DescribeQuorum failed with error code {part['error']} for {item['name']}")
            return part
    raise ValueError("DescribeQuorum answered without the metadata partition")


def fetch_quorum(address: str, timeout: float = 5.0) -> dict:
    number = correlation_id()
    return parse_describe_quorum(exchange(address, describe_quorum_request(number), timeout), number)


def answers(address: str) -> bool:
    """Whether the controller at address serves requests (any DescribeQuorum reply will do)."""
    try:
        fetch_quorum(address, timeout=3.0)
    except (OSError, struct.error, IndexError):
        return False
    except ValueError:  # an answer, e.g. "not the quorum's leader"
        return True
    return True


def summarize(quorum: dict, max_lag: int, max_lag_ms: int = 5000) -> dict:
    # The leader reports its own last caught-up time as its current time: ages in its clock.
    leader = next((voter for voter in quorum["voters"] if voter["id"] == quorum["leader"]), None)
    now = leader["last_caught_up_ms"] if leader and leader["last_caught_up_ms"] >= 0 else None

    def lagging(replica: dict) -> dict:
        lag = quorum["high_watermark"] - replica["log_end_offset"] if replica["log_end_offset"] >= 0 else None
        age = now - replica["last_caught_up_ms"] if now is not None and replica["last_caught_up_ms"] >= 0 else None
        return {"id": replica["id"], "directory_id": replica.get("directory_id"),
                "log_end_offset": replica["log_end_offset"], "lag": lag,
                "caught_up_ms_ago": age,
                "caught_up": lag is not None and lag <= max_lag and (age is None or age <= max_lag_ms)}

    return {"leader": quorum["leader"], "epoch": quorum["epoch"], "high_watermark": quorum["high_watermark"],
            "voters": [lagging(replica) for replica in quorum["voters"]],
            "observers": [lagging(replica) for replica in quorum["observers"]]}


def problems(state: dict, expect: list[int], stopping: int | None) -> list[str]:
    found = []
    if state["leader"] < 0:
        found.append("the quorum has no leader")
    voters = {voter["id"]: voter for voter in state["voters"]}
    missing = sorted(set(expect) - set(voters))
    if missing:
        found.append(f"controllers {missing} are not voters (voters: {sorted(voters)})")
    behind = sorted(voter_id for voter_id, voter in voters.items() if not voter["caught_up"])
    if behind:
        found.append(f"voters {behind} are behind the leader")
    # One or two voters lose their majority with any voter down: nothing to wait for (the caller warns).
    if stopping is not None and len(voters) > 2:
        remaining = [voter for voter_id, voter in voters.items() if voter_id != stopping and voter["caught_up"]]
        if len(remaining) < len(voters) // 2 + 1:
            found.append(f"stopping controller {stopping} would leave {len(remaining)} caught-up voters of "
                         f"{len(voters)}, no majority")
    return found


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "bootstrap": {"type": "list", "elements": "str", "required": True},
            "client": {"type": "dict", "default": {}},
            "expect_voters": {"type": "list", "elements": "int", "default": []},
            "max_lag": {"type": "int", "default": 1000},
            "max_lag_ms": {"type": "int", "default": 5000},
            "answering": {"type": "list", "elements": "str", "default": []},
            "stopping": {"type": "int"},
            "timeout": {"type": "int", "default": 120},
            "allow_unreachable": {"type": "bool", "default": False},
            "report_only": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    reason = use_client(module.params["client"])
    if reason:
        module.fail_json(msg=f"client: {reason}")
    params = module.params
    started = time.monotonic()
    deadline = started + params["timeout"]
    state: dict = {}
    while True:
        errors = []
        for address in params["bootstrap"]:
            try:
                state = summarize(fetch_quorum(address), params["max_lag"], params["max_lag_ms"])
                break
            except (OSError, ValueError, struct.error, IndexError) as error:
                errors.append(f"{address}: {error}")
        else:
            state = {}
        found = problems(state, params["expect_voters"], params["stopping"]) if state else \
            ["no controller answers (" + "; ".join(errors) + "). Fix: start the controllers (systemctl start "
             "kafka@controller on their hosts) and check that their kafka_controller_port is reachable from here"]
        found += [f"controller {address} does not answer yet" for address in params["answering"]
                  if not answers(address)]
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(1)
    state["waited"] = round(time.monotonic() - started, 1)
    state["reachable"] = "leader" in state
    state["problems"] = found
    if not state["reachable"] and (params["allow_unreachable"] or params["report_only"]):
        module.exit_json(changed=False, leader=-1, epoch=-1, high_watermark=-1, voters=[], observers=[],
                         reachable=False, problems=found, waited=state["waited"], msg=found[0])
    if found and not params["report_only"]:
        module.fail_json(msg="; ".join(found) + f" (waited {state['waited']} s)", **state)
    if params["stopping"] is not None and len(state.get("voters", [])) <= 2:
        module.warn(f"a quorum of {len(state['voters'])} voters has no majority while controller {params['stopping']} "
                    "is down: metadata changes (topics, leader elections, brokers joining) wait until it is back")
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
