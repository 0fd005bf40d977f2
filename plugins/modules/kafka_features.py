#!/usr/bin/python
"""Raise a KRaft cluster's finalized feature levels to a release's, naming every feature."""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.kafka_protocol import Reader, correlation_id, exchange, use_client, uvarint
except ImportError:  # imported outside Ansible, by the unit tests
    from kafka_protocol import Reader, correlation_id, exchange, use_client, uvarint

DOCUMENTATION = r"""
module: kafka_features
short_description: Finalize the feature levels of a release in a KRaft cluster, one named feature at a time
description:
  - Reads the finalized feature levels from a broker (ApiVersions, version 3) and raises each
    feature that is below the release's level with one UpdateFeatures request (version 1) that
    lists the features by name. A feature is never lowered, and the features in I(exclude) are
    never touched, because Kafka's C(--release-version) shortcut would also raise C(kraft.version), which
    turns a static quorum into a dynamic one (KAFKA-21426).
  - In check mode the controller validates the update without applying it.
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
  mapping_file:
    description:
      - File on the host holding the output of C(kafka-features.sh version-mapping --release-version X),
        one C(feature=level) per line (the release's levels). Written from I(mapping_command) when missing.
    type: path
    required: true
  mapping_command:
    description: The command that prints the release's levels (run once per release, as it starts a JVM).
    type: list
    elements: str
    required: true
  exclude:
    description: Features left at their finalized level whatever the release says.
    type: list
    elements: str
    default: [kraft.version]
  timeout:
    description: Seconds the controller may take to apply the update.
    type: int
    default: 60
author: kafka-toolkit
"""

RETURN = r"""
finalized:
  description: Finalized feature levels before the update (a feature at level 0 is absent from the cluster's answer).
  type: dict
  returned: always
upgraded:
  description: Each raised feature with its level before and after.
  type: dict
  returned: always
"""

API_VERSIONS = 18
API_UPDATE_FEATURES = 57
UPGRADE = 1


def parse_mapping(text: str) -> dict[str, int]:
    """feature=level lines as kafka-features.sh version-mapping prints them, e.g. 'metadata.version=33 (4.4)'."""
    levels = {}
    for line in text.splitlines():
        match = re.match(r"^\s*([a-z][a-z0-9._]*)=(\d+)\b", line)
        if match:
            levels[match.group(1)] = int(match.group(2))
    if not levels:
        raise ValueError("the version mapping names no feature")
    return levels


def plan(finalized: dict[str, int], target: dict[str, int], exclude: list[str]) -> dict[str, list[int]]:
    """The features to raise, each with [current, target]; never a downgrade."""
    return {name: [finalized.get(name, 0), level] for name, level in sorted(target.items())
            if name not in exclude and level > finalized.get(name, 0)}


def _header(api_key: int, version: int, number: int, client_id: str = "kafka-toolkit") -> bytes:
    client = client_id.encode()
    # Request header v2: the client id keeps its int16 length; tagged fields follow.
    return struct.pack(">hhih", api_key, version, number, len(client)) + client + uvarint(0)


def _compact(value: str) -> bytes:
    raw = value.encode()
    return uvarint(len(raw) + 1) + raw


def _frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def api_versions_request(number: int) -> bytes:
    return _frame(_header(API_VERSIONS, 3, number) + _compact("kafka-toolkit") + _compact("1") + uvarint(0))


def parse_api_versions(data: bytes, number: int) -> dict[str, int]:
    """The finalized features of an ApiVersions v3 response (its tagged field 2)."""
    reader = Reader(data)
    if reader.int32() != number:  # ApiVersions answers with response header v0 at every version
        raise ValueError("response does not match the request")
    error = reader.int16()
    if error:
        raise ValueError(f"ApiVersions failed with error code {error}")

    def api() -> None:
        reader.int16(), reader.int16(), reader.int16()
        reader.tagged_fields()

    def finalized_feature() -> tuple[str, int]:
        name, max_level = reader.compact_string(), reader.int16()
        reader.int16()
        reader.tagged_fields()
        return name or "", max_level

    reader.compact_array(api)
    reader.int32()  # throttle time
    finalized: dict[str, int] = {}
    for _ in range(reader.uvarint()):
        tag, size = reader.uvarint(), reader.uvarint()
        end = reader.pos + size
        if tag == 2:
            finalized = dict(reader.compact_array(finalized_feature))
        reader.pos = end
    return finalized


def update_features_request(number: int, updates: dict[str, int], timeout_ms: int, validate_only: bool) -> bytes:
    body = struct.pack(">i", timeout_ms) + uvarint(len(updates) + 1)
    for name, level in updates.items():
        body += _compact(name) + struct.pack(">hb", level, UPGRADE) + uvarint(0)
    body += struct.pack(">b", int(validate_only)) + uvarint(0)
    return _frame(_header(API_UPDATE_FEATURES, 1, number) + body)


def parse_update_features(data: bytes, number: int) -> list[str]:
    """The errors of an UpdateFeatures v1 response, one line each; empty when it succeeded."""
    reader = Reader(data)
    if reader.int32() != number:
        raise ValueError("response does not match the request")
    reader.tagged_fields()
    reader.int32()  # throttle time
    error, message = reader.int16(), reader.compact_string()

    def result() -> tuple[str, int, str | None]:
        item = (reader.compact_string() or "", reader.int16(), reader.compact_string())
        reader.tagged_fields()
        return item

    errors = [f"{name}: error {code}" + (f" ({text})" if text else "")
              for name, code, text in reader.compact_array(result) if code]
    if error:
        errors.insert(0, f"error {error}" + (f" ({message})" if message else ""))
    return errors


def ask(bootstrap: list[str], build: Callable[[int], bytes], parse: Callable[[bytes, int], Any]) -> Any:
    failures = []
    for address in bootstrap:
        number = correlation_id()
        try:
            return parse(exchange(address, build(number), timeout=30.0), number)
        except (OSError, struct.error, IndexError) as error:
            failures.append(f"{address}: {error}")
    raise ConnectionError("no broker answers (" + "; ".join(failures) + ")")


def release_levels(module: AnsibleModule, path: str, command: list[str]) -> str:
    """The release's mapping, from its file, or from the command the first time (then kept)."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as mapping:
            return mapping.read()
    rc, out, err = module.run_command(command)
    if rc != 0:
        raise ValueError(f"{' '.join(command)} failed: {(err or out).strip()}")
    parse_mapping(out)
    with open(path + ".tmp", "w", encoding="utf-8") as mapping:
        mapping.write(out)
    os.replace(path + ".tmp", path)
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "bootstrap": {"type": "list", "elements": "str", "required": True},
            "client": {"type": "dict", "default": {}},
            "mapping_file": {"type": "path", "required": True},
            "mapping_command": {"type": "list", "elements": "str", "required": True},
            "exclude": {"type": "list", "elements": "str", "default": ["kraft.version"]},
            "timeout": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    reason = use_client(module.params["client"])
    if reason:
        module.fail_json(msg=f"client: {reason}")
    params = module.params
    try:
        target = parse_mapping(release_levels(module, params["mapping_file"], params["mapping_command"]))
        finalized = ask(params["bootstrap"], api_versions_request, parse_api_versions)
        upgrades = plan(finalized, target, params["exclude"])
        if upgrades:
            errors = ask(params["bootstrap"],
                         lambda number: update_features_request(number, {name: levels[1] for name, levels in
                                                                         upgrades.items()},
                                                                params["timeout"] * 1000, module.check_mode),
                         parse_update_features)
            if errors:
                module.fail_json(msg="the controller refused the feature update: " + "; ".join(errors),
                                 finalized=finalized, upgraded={})
    except (OSError, ValueError) as error:
        module.fail_json(msg=str(error), finalized={}, upgraded={})
    module.exit_json(changed=bool(upgrades), finalized=finalized, upgraded=upgrades)


if __name__ == "__main__":
    main()
