#!/usr/bin/python
"""Hold a Kafka cluster's dynamic broker defaults (the cluster-wide entity) at given values."""

from __future__ import annotations

import struct

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.kafka_protocol import Reader, correlation_id, encode_string, exchange, frame, use_client
except ImportError:  # imported outside Ansible, by the unit tests
    from kafka_protocol import Reader, correlation_id, encode_string, exchange, frame, use_client

DOCUMENTATION = r"""
module: kafka_cluster_defaults
short_description: Set dynamic cluster-wide broker defaults that differ from the given values
description:
  - Reads the cluster-wide broker defaults (C(kafka-configs.sh --entity-type brokers --entity-default))
    with one DescribeConfigs request and sets those that are missing or differ with one
    IncrementalAlterConfigs request; nothing else is touched.
  - A dynamic default outranks every broker's server.properties. In KRaft mode with eligible leader
    replicas the controllers write C(min.insync.replicas) there, and every new topic gets it.
  - Speaks the Kafka protocol directly (no JVM start), so it answers in milliseconds.
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
  settings:
    description: Configuration names and the values the cluster-wide defaults must hold.
    type: dict
    required: true
author: kafka-toolkit
"""

RETURN = r"""
before:
  description: The values of I(settings)' names before the run (absent names are left out).
  type: dict
  returned: always
changes:
  description: Names set, each with its old value (null when absent) and new value.
  type: dict
  returned: always
"""

API_DESCRIBE_CONFIGS = 32
API_INCREMENTAL_ALTER_CONFIGS = 44
BROKER = 4
SET = 0
DYNAMIC_DEFAULT_BROKER_CONFIG = 3


def describe_request(number: int, names: list[str]) -> bytes:
    """DescribeConfigs v1 of the cluster-wide broker entity (the empty name), without synonyms."""
    keys = struct.pack(">i", len(names)) + b"".join(encode_string(name) for name in names)
    body = struct.pack(">ib", 1, BROKER) + encode_string("") + keys + struct.pack(">b", 0)
    return frame(API_DESCRIBE_CONFIGS, 1, number, body)


def parse_describe(data: bytes, number: int) -> dict[str, str | None]:
    reader = Reader(data)
    if reader.int32() != number:
        raise ValueError("response does not match the request")
    reader.int32()  # throttle time

    def entry() -> tuple[str, str | None, int]:
        name, value = reader.string(), reader.string()
        reader.int8()  # read only
        source = reader.int8()
        reader.int8()  # sensitive
        reader.array(lambda: (reader.string(), reader.string(), reader.int8()))
        return name, value, source

    def result() -> list:
        code, message = reader.int16(), reader.string()
        reader.int8()
        reader.string()
        configs = reader.array(entry)
        if code:
            raise ValueError(f"DescribeConfigs error {code}: {message}")
        return configs

    found: dict[str, str | None] = {}
    for configs in reader.array(result):
        # Only what is set on the cluster-wide entity itself (DYNAMIC_DEFAULT_BROKER_CONFIG).
        found.update({name: value for name, value, source in configs if source == DYNAMIC_DEFAULT_BROKER_CONFIG})
    return found


def alter_request(number: int, settings: dict[str, str]) -> bytes:
    """IncrementalAlterConfigs v0: SET each name on the cluster-wide broker entity."""
    configs = struct.pack(">i", len(settings)) + b"".join(
        encode_string(name) + struct.pack(">b", SET) + encode_string(value) for name, value in settings.items())
    body = struct.pack(">ib", 1, BROKER) + encode_string("") + configs + struct.pack(">b", 0)
    return frame(API_INCREMENTAL_ALTER_CONFIGS, 0, number, body)


def parse_alter(data: bytes, number: int) -> None:
    reader = Reader(data)
    if reader.int32() != number:
        raise ValueError("response does not match the request")
    reader.int32()
    for code, message in reader.array(lambda: (reader.int16(), reader.string(), reader.int8(), reader.string())[:2]):
        if code:
            raise ValueError(f"IncrementalAlterConfigs error {code}: {message}")


def differences(current: dict[str, str | None], wanted: dict[str, str]) -> dict[str, dict[str, str | None]]:
    return {name: {"old": current.get(name), "new": value} for name, value in wanted.items()
            if current.get(name) != value}


def _ask(bootstrap: list[str], request: bytes) -> bytes:
    errors = []
    for address in bootstrap:
        try:
            return exchange(address, request, 10.0)
        except OSError as error:
            errors.append(f"{address}: {error}")
    raise OSError("no broker answers (" + "; ".join(errors) + ")")


def main() -> None:
    module = AnsibleModule(
        argument_spec={"bootstrap": {"type": "list", "elements": "str", "required": True},
                       "client": {"type": "dict", "default": {}},
                       "settings": {"type": "dict", "required": True}},
        supports_check_mode=True,
    )
    reason = use_client(module.params["client"])
    if reason:
        module.fail_json(msg=f"client: {reason}")
    wanted = {str(name): str(value).lower() if isinstance(value, bool) else str(value)
              for name, value in module.params["settings"].items()}
    try:
        number = correlation_id()
        current = parse_describe(_ask(module.params["bootstrap"], describe_request(number, list(wanted))), number)
        changes = differences(current, wanted)
        if changes and not module.check_mode:
            number = correlation_id()
            parse_alter(_ask(module.params["bootstrap"],
                             alter_request(number, {name: change["new"] for name, change in changes.items()})),
                        number)
    except (OSError, ValueError, struct.error) as error:
        module.fail_json(msg=f"cluster-wide broker defaults ({', '.join(wanted)}) could not be read or set: {error}. "
                             f"Fix: check that the brokers at {', '.join(module.params['bootstrap'])} run and answer "
                             f"(playbooks/status.yml names the ones that do not), then run the playbook again; "
                             f"to set them by hand: kafka-configs.sh --bootstrap-server <broker> --alter "
                             f"--entity-type brokers --entity-default --add-config <name>=<value>")
    module.exit_json(changed=bool(changes), before=current, changes=changes)


if __name__ == "__main__":
    main()
