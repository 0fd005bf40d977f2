#!/usr/bin/python
"""Read a Kafka cluster's brokers, controller and partition replicas with one Metadata request."""

from __future__ import annotations

import struct
import time

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.kafka_protocol import Reader, correlation_id, encode_string, exchange, frame, use_client
except ImportError:  # imported outside Ansible, by the unit tests
    from kafka_protocol import Reader, correlation_id, encode_string, exchange, frame, use_client

DOCUMENTATION = r"""
module: kafka_cluster_state
short_description: Wait until the expected brokers are registered and every partition is fully in sync
description:
  - Speaks the Kafka protocol directly (a Metadata request, version 5), so it needs neither a JVM nor
    a Python client on the host and answers in milliseconds; the roles use it as the health gate of
    starts and rolling restarts.
  - With I(stopping), also checks that taking that broker down leaves every partition it is in
    sync for with at least I(min_insync_replicas) in-sync replicas.
options:
  client:
    description:
      - How the listeners are reached, as in a client properties file (C(security.protocol) PLAINTEXT or SSL,
        C(ssl.truststore.type) PEM, C(ssl.truststore.location)); the cluster model's security.client_properties.
    type: dict
    default: {}
  bootstrap:
    description: Brokers to ask, as host:port; the first that answers is used.
    type: list
    elements: str
    required: true
  expect_brokers:
    description: Broker ids that must be registered.
    type: list
    elements: int
    default: []
  require_in_sync:
    description: Also wait until no partition is offline or under-replicated.
    type: bool
    default: false
  stopping:
    description:
      - Broker id about to be stopped; fail if that would leave a partition below I(min_insync_replicas).
    type: int
  min_insync_replicas:
    description: The cluster's min.insync.replicas, for I(stopping).
    type: int
    default: 1
  holding_nothing:
    description: Broker id that must hold no replica of any partition (before it is stopped for good).
    type: int
  timeout:
    description: Seconds to wait for the conditions; 0 checks once.
    type: int
    default: 120
  require_forwarding:
    description:
      - Also wait until every registered broker passes a validate-only CreateTopics on to the active
        controller and returns its answer (KRaft mode, where brokers forward such requests). A broker
        whose channel to the controller is stuck registers and serves data, yet every topic or
        consumer-group creation through it times out.
    type: bool
    default: false
  allow_unreachable:
    description:
      - Report C(reachable=false) instead of failing when no broker answers (a cluster not deployed yet).
    type: bool
    default: false
author: kafka-toolkit
"""

RETURN = r"""
brokers:
  description: Registered broker ids.
  type: list
  returned: always
controller:
  description: Id of the active controller (-1 when none).
  type: int
  returned: always
cluster_id:
  description: Cluster id.
  type: str
  returned: always
partitions:
  description: Number of partitions seen.
  type: int
  returned: always
under_replicated:
  description: Partitions (topic-partition) whose ISR is smaller than their replica set.
  type: list
  returned: always
replica_brokers:
  description: Broker ids named in any partition's replica set, registered or not.
  type: list
  returned: always
reachable:
  description: Whether a broker answered.
  type: bool
  returned: always
offline:
  description: Partitions without a leader.
  type: list
  returned: always
at_risk:
  description: With I(stopping), partitions that would fall below min.insync.replicas.
  type: list
  returned: always
held:
  description: With I(holding_nothing), partitions that still have a replica on that broker.
  type: list
  returned: always
not_forwarding:
  description: With I(require_forwarding), brokers (id host:port, and why) that did not pass the request on.
  type: list
  returned: always
"""

API_METADATA = 3
METADATA_VERSION = 5


def metadata_request(correlation_id: int, client_id: str = "kafka-toolkit") -> bytes:
    # A null topic array asks for every topic; auto-creation is off.
    return frame(API_METADATA, METADATA_VERSION, correlation_id, struct.pack(">ib", -1, 0), client_id)


def parse_metadata(data: bytes, correlation_id: int) -> dict:
    reader = Reader(data)
    if reader.int32() != correlation_id:
        raise ValueError("response does not match the request")
    reader.int32()  # throttle time

    def broker() -> dict:
        return {"id": reader.int32(), "host": reader.string(), "port": reader.int32(), "rack": reader.string()}

    def partition() -> dict:
        return {
            "error": reader.int16(),
            "partition": reader.int32(),
            "leader": reader.int32(),
            "replicas": reader.array(reader.int32),
            "isr": reader.array(reader.int32),
            "offline_replicas": reader.array(reader.int32),
        }

    def topic() -> dict:
        return {"error": reader.int16(), "name": reader.string(), "internal": bool(reader.int8()),
                "partitions": reader.array(partition)}

    brokers = reader.array(broker)
    cluster_id = reader.string()
    controller = reader.int32()
    topics = reader.array(topic)
    return {"brokers": brokers, "cluster_id": cluster_id, "controller": controller, "topics": topics}


API_CREATE_TOPICS = 19
CREATE_TOPICS_VERSION = 4
# Reaching the controller is all the probe asks: these answers come from it.
FORWARDED = {0: "none", 36: "TOPIC_ALREADY_EXISTS", 37: "INVALID_PARTITIONS", 38: "INVALID_REPLICATION_FACTOR"}
PROBE_TOPIC = "kafka-toolkit-forwarding-probe"


def create_topics_probe(correlation_id: int, timeout_ms: int, client_id: str = "kafka-toolkit") -> bytes:
    """A validate-only CreateTopics of one partition and one replica: nothing is created."""
    body = struct.pack(">i", 1) + encode_string(PROBE_TOPIC) + struct.pack(">ihii", 1, 1, 0, 0) + \
        struct.pack(">ib", timeout_ms, 1)
    return frame(API_CREATE_TOPICS, CREATE_TOPICS_VERSION, correlation_id, body, client_id)


def parse_create_topics(data: bytes, correlation_id: int) -> int:
    """The error code of the probe's topic."""
    reader = Reader(data)
    if reader.int32() != correlation_id:
        raise ValueError("response does not match the request")
    reader.int32()  # throttle time
    results = reader.array(lambda: (reader.string(), reader.int16(), reader.string()))
    return results[0][1] if results else -1


def forwarding_problem(address: str, timeout: float) -> str | None:
    """Why the broker at address did not pass the probe on to the controller, or None if it did."""
    number = correlation_id()
    try:
        code = parse_create_topics(exchange(address, create_topics_probe(number, int(timeout * 1000)), timeout + 2),
                                   number)
    except (OSError, ValueError, struct.error) as error:
        return f"no answer in {timeout + 2:g} s ({error})"
    return None if code in FORWARDED else f"error code {code}"


def not_forwarding(metadata: dict, timeout: float = 8.0) -> list[str]:
    found = []
    for broker in metadata["brokers"]:
        address = f"{broker['host']}:{broker['port']}"
        problem = forwarding_problem(address, timeout)
        if problem:
            found.append(f"{broker['id']} {address}: {problem}")
    return found


def fetch_metadata(address: str, timeout: float = 5.0) -> dict:
    number = correlation_id()
    return parse_metadata(exchange(address, metadata_request(number), timeout), number)


def summarize(metadata: dict, stopping: int | None, min_isr: int, holding: int | None = None) -> dict:
    under, offline, at_risk, held, count, replicas = [], [], [], [], 0, set()
    for topic in metadata["topics"]:
        for part in topic["partitions"]:
            count += 1
            name = f"{topic['name']}-{part['partition']}"
            if part["leader"] < 0:
                offline.append(name)
            if len(part["isr"]) < len(part["replicas"]):
                under.append(name)
            if stopping is not None and stopping in part["isr"] and len(part["isr"]) - 1 < min_isr:
                at_risk.append(f"{name} (isr {part['isr']})")
            replicas.update(part["replicas"])
            if holding is not None and holding in part["replicas"]:
                held.append(name)
    return {
        "brokers": sorted(b["id"] for b in metadata["brokers"]),
        "controller": metadata["controller"],
        "cluster_id": metadata["cluster_id"],
        "partitions": count,
        "under_replicated": sorted(under),
        "offline": sorted(offline),
        "at_risk": sorted(at_risk),
        "held": sorted(held),
        "replica_brokers": sorted(replicas),
    }


def problems(state: dict, expect: list[int], require_in_sync: bool) -> list[str]:
    found = []
    if state.get("not_forwarding"):
        found.append(f"brokers cannot reach the active controller for forwarded requests: "
                     f"{'; '.join(state['not_forwarding'])}; check the quorum first (kafka-metadata-quorum.sh "
                     f"describe --status); if it has a leader, restart those brokers one at a time "
                     f"(systemctl restart kafka@<name> on their hosts)")
    missing = sorted(set(expect) - set(state["brokers"]))
    if missing:
        found.append(f"brokers {missing} are not registered (registered: {state['brokers']})")
    if state["controller"] < 0:
        found.append("no active controller")
    if require_in_sync and state["offline"]:
        found.append(f"{len(state['offline'])} partitions offline: {', '.join(state['offline'][:10])}")
    if require_in_sync and state["under_replicated"]:
        found.append(f"{len(state['under_replicated'])} partitions under-replicated: "
                     f"{', '.join(state['under_replicated'][:10])}")
    return found


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "bootstrap": {"type": "list", "elements": "str", "required": True},
            "client": {"type": "dict", "default": {}},
            "expect_brokers": {"type": "list", "elements": "int", "default": []},
            "require_in_sync": {"type": "bool", "default": False},
            "stopping": {"type": "int"},
            "holding_nothing": {"type": "int"},
            "min_insync_replicas": {"type": "int", "default": 1},
            "timeout": {"type": "int", "default": 120},
            "allow_unreachable": {"type": "bool", "default": False},
            "require_forwarding": {"type": "bool", "default": False},
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
                metadata = fetch_metadata(address)
                state = summarize(metadata, params["stopping"], params["min_insync_replicas"],
                                  params["holding_nothing"])
                # Asked only of a complete cluster: a broker still starting forwards nothing yet.
                expected = set(params["expect_brokers"]) <= set(state["brokers"])
                state["not_forwarding"] = not_forwarding(metadata) \
                    if params["require_forwarding"] and expected else []
                break
            except (OSError, ValueError, struct.error) as error:
                errors.append(f"{address}: {error}")
        else:
            state = {}
        found = problems(state, params["expect_brokers"], params["require_in_sync"]) if state else \
            ["no broker answers (" + "; ".join(errors) + ")"]
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(1)
    state["waited"] = round(time.monotonic() - started, 1)
    state["reachable"] = "brokers" in state
    if not state["reachable"] and params["allow_unreachable"]:
        module.exit_json(changed=False, brokers=[], replica_brokers=[], controller=-1, cluster_id=None, partitions=0,
                         under_replicated=[], offline=[], reachable=False, not_forwarding=[], waited=state["waited"],
                         msg=found[0])
    # Judged only on a settled cluster: while replicas catch up, the ISR is transiently small.
    if not found and state["at_risk"]:
        found = [f"stopping broker {params['stopping']} would leave {len(state['at_risk'])} partitions "
                 f"below min.insync.replicas={params['min_insync_replicas']}: {', '.join(state['at_risk'][:10])}"]
    if not found and state["held"]:
        found = [f"broker {params['holding_nothing']} still holds replicas of {len(state['held'])} partitions: "
                 f"{', '.join(state['held'][:20])}; move them away first (playbooks/decommission.yml does)"]
    if found:
        module.fail_json(msg="; ".join(found) + f" (waited {state['waited']} s)", **state)
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
