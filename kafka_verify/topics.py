"""Topics, declaratively: create what is missing, grow partitions, set configs that differ,
and delete only when explicitly allowed. Also used by the verifier to prepare its topics.

Run ``python -m kafka_verify.topics --help``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from kafka_verify import security
from kafka_verify.errors import BAD_ARGUMENTS, UNHEALTHY, UNREACHABLE, VerifyError


@dataclass
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)
    state: str = "present"


@dataclass
class Plan:
    create: list[TopicSpec] = field(default_factory=list)
    grow: dict[str, int] = field(default_factory=dict)
    configs: dict[str, dict[str, str]] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.create or self.grow or self.configs or self.delete)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "create": [spec.name for spec in self.create],
            "grow_partitions": self.grow,
            "set_configs": self.configs,
            "delete": self.delete,
            "errors": self.errors,
        }


def parse_specs(raw: list[dict[str, Any]]) -> list[TopicSpec]:
    """Validated topic specs from plain dicts (name, partitions, replication_factor, configs, state)."""
    specs, names = [], set()
    for index, item in enumerate(raw):
        name = str(item.get("name", "")).strip()
        if not name:
            raise VerifyError(BAD_ARGUMENTS, f"topic #{index + 1} has no name")
        if name in names:
            raise VerifyError(BAD_ARGUMENTS, f"topic {name} is declared twice")
        names.add(name)
        try:
            partitions = int(item.get("partitions", 1))
            replication = int(item.get("replication_factor", 3))
        except (TypeError, ValueError):
            raise VerifyError(BAD_ARGUMENTS,
                              f"topic {name}: partitions and replication_factor must be whole numbers") from None
        if partitions < 1 or replication < 1:
            raise VerifyError(BAD_ARGUMENTS, f"topic {name}: partitions and replication_factor must be at least 1")
        state = item.get("state", "present")
        if state not in ("present", "absent"):
            raise VerifyError(BAD_ARGUMENTS, f"topic {name}: state must be present or absent, not {state!r}")
        configs = {str(k): _config_value(v) for k, v in (item.get("configs") or {}).items()}
        specs.append(TopicSpec(name, partitions, replication, configs, state))
    return specs


def _config_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def plan(specs: list[TopicSpec], existing: dict[str, dict[str, Any]], current_configs: dict[str, dict[str, str]],
         broker_count: int, allow_delete: bool = False) -> Plan:
    """What to change so the cluster matches the specs. existing maps a topic name to its
    describe_topics() entry; current_configs maps it to its non-default configs."""
    result = Plan()
    for spec in specs:
        described = existing.get(spec.name)
        if spec.state == "absent":
            if described is not None:
                if allow_delete:
                    result.delete.append(spec.name)
                else:
                    result.errors.append(f"topic {spec.name} is marked absent but deleting is not allowed; "
                                         f"set kafka_topics_allow_delete (or --allow-delete) to delete it")
            continue
        if spec.replication_factor > broker_count:
            result.errors.append(f"topic {spec.name}: replication factor {spec.replication_factor} exceeds the "
                                 f"{broker_count} registered brokers")
            continue
        if described is None:
            result.create.append(spec)
            continue
        partitions = described.get("partitions", [])
        have = len(partitions)
        if spec.partitions > have:
            result.grow[spec.name] = spec.partitions
        elif spec.partitions < have:
            result.errors.append(f"topic {spec.name} has {have} partitions and Kafka cannot remove partitions; "
                                 f"declare partitions: {have} (or more)")
        replication = len(partitions[0].get("replica_nodes", [])) if partitions else 0
        if replication and replication != spec.replication_factor:
            result.errors.append(f"topic {spec.name} has replication factor {replication}, not "
                                 f"{spec.replication_factor}; changing it is a partition reassignment, not a "
                                 f"topic setting")
        differing = {k: v for k, v in spec.configs.items() if current_configs.get(spec.name, {}).get(k) != v}
        if differing:
            result.configs[spec.name] = differing
    return result


def _connect(bootstrap: str, timeout_ms: int = 15000, settings: dict[str, Any] | None = None) -> Any:
    """An admin client; settings: kafka-python's security settings (kafka_verify.security)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    with security.watch_failures(settings) as watch:
        try:
            return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="kafka-verify",
                                    request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms,
                                    **(settings or {}))
        except (KafkaError, OSError) as error:
            raise VerifyError(UNREACHABLE, watch.unreachable(bootstrap, error)) from error


def describe(admin: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    present = set(admin.list_topics())
    wanted = [name for name in names if name in present]
    return {topic["name"]: topic for topic in admin.describe_topics(wanted)} if wanted else {}


def current_configs(admin: Any, names: list[str]) -> dict[str, dict[str, str]]:
    from kafka.admin import ConfigResource, ConfigResourceType

    if not names:
        return {}
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    topics = described.get("topic", {})
    return {name: {key: str(entry.get("value")) for key, entry in (topics.get(name) or {}).items()}
            for name in names}


def apply(admin: Any, result: Plan) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    if result.create:
        admin.create_topics({spec.name: {"num_partitions": spec.partitions,
                                         "replication_factor": spec.replication_factor,
                                         "configs": spec.configs} for spec in result.create},
                            wait_for_metadata=True)
    if result.grow:
        admin.create_partitions(dict(result.grow))
    if result.configs:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=values)
                             for name, values in result.configs.items()], incremental=True)
    if result.delete:
        admin.delete_topics(result.delete)


def reconcile(bootstrap: str, raw_specs: list[dict[str, Any]], allow_delete: bool = False,
              check: bool = False, settings: dict[str, Any] | None = None) -> Plan:
    specs = parse_specs(raw_specs)
    admin = _connect(bootstrap, settings=settings)
    try:
        broker_count = len(admin.describe_cluster().get("brokers", []))
        existing = describe(admin, [spec.name for spec in specs])
        result = plan(specs, existing, current_configs(admin, list(existing)), broker_count, allow_delete)
        if result.errors:
            return result
        if not check:
            apply(admin, result)
        return result
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kafka_verify.topics",
        description="Make the cluster's topics match a list of specs: create missing topics, grow "
                    "partitions, set configs that differ; delete only with --allow-delete.")
    parser.add_argument("--bootstrap-servers", required=True, help="host:port[,host:port...]")
    parser.add_argument("--spec", required=True,
                        help="JSON list of {name, partitions, replication_factor, configs, state} "
                             "(a file, or - for stdin)")
    parser.add_argument("--allow-delete", action="store_true", help="delete topics whose state is absent")
    parser.add_argument("--check", action="store_true", help="report what would change, change nothing")
    security.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        settings = security.client_settings(args)
        if args.spec == "-":
            text = sys.stdin.read()
        else:
            with open(args.spec, encoding="utf-8") as handle:
                text = handle.read()
        raw = json.loads(text)
        if not isinstance(raw, list):
            raise VerifyError(BAD_ARGUMENTS, "the spec must be a JSON list of topics")
        result = reconcile(args.bootstrap_servers, raw, args.allow_delete, args.check, settings)
    except (OSError, json.JSONDecodeError) as error:
        print(json.dumps({"changed": False, "errors": [f"cannot read the spec: {error}"]}))
        return BAD_ARGUMENTS
    except VerifyError as error:
        print(json.dumps({"changed": False, "errors": [error.message]}))
        return error.code
    print(json.dumps(result.as_dict(), sort_keys=True))
    return UNHEALTHY if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
