"""The one model of the cluster, computed on the controller from the inventory, and every check
that runs on it before any host changes.

kafka_cluster_model() is the only place that turns the inventory into brokers: each broker
with the properties that will actually be written (role defaults, group, host, broker, then
its identity), its listeners, advertised addresses and log directories, plus the bootstrap
servers and zookeeper.connect. Roles, playbooks and templates read the model; the checks read
the model too, so what is checked is what will be written.

Every message has one shape: "<variable> on <host>: <what is wrong>. Fix: <how>".
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from kafka_toolkit import _as_int, heap_megabytes, zookeeper_connect, zookeeper_nodes

from kafka_verify.topicspec import topic_name_collisions, topic_name_errors, topic_spec_errors

# Derived from each broker's own entry; set anywhere else they would give brokers one identity
# or point them at the wrong data.
KAFKA_IDENTITY = ("broker.id", "node.id", "listeners", "advertised.listeners", "log.dirs", "log.dir",
                  "zookeeper.connect", "process.roles", "controller.quorum.bootstrap.servers",
                  "controller.quorum.voters", "controller.listener.names")
MODES = ("zookeeper", "kraft")
# The phases of a ZooKeeper-to-KRaft migration (playbooks/migrate-to-kraft.yml) the nodes are
# written for: controllers provisioned in migration mode, then brokers in migration mode (dual
# write), then brokers in KRaft mode. The last phase, controllers without migration, is KRaft mode.
MIGRATION_PHASES = ("controllers", "brokers", "kraft")
MIGRATION_FLAG = "zookeeper.metadata.migration.enable"
# ZooKeeper-mode settings a KRaft node does not know; the role's defaults carry them for ZooKeeper mode.
ZOOKEEPER_ONLY = ("zookeeper.connection.timeout.ms", "zookeeper.session.timeout.ms", "broker.id.generation.enable",
                  "zookeeper.set.acl", "zookeeper.metadata.migration.enable", "inter.broker.protocol.version")
CONTROLLER_LISTENER = "CONTROLLER"
# kafka_security: the protocol of every listener, brokers' and controllers' alike.
SECURITY_MODES = {"plaintext": "PLAINTEXT", "tls": "SSL"}
# Settings a KRaft controller applies to the whole cluster: it creates topics with its own
# num.partitions and default.replication.factor, and with eligible leader replicas it writes its
# own min.insync.replicas as the cluster's dynamic default and as every new topic's setting, over
# the brokers'. Controllers get the brokers' values (the strictest, where brokers differ).
CONTROLLER_CLUSTER_DEFAULTS = ("min.insync.replicas", "default.replication.factor", "num.partitions",
                               "unclean.leader.election.enable")
BROKER_ID_MAX = 2**31 - 1
LISTENER = re.compile(r"^(?P<name>[^:/]*)://(?P<host>\[[0-9A-Fa-f:.]*\]|[^:\[\]/]*):(?P<port>[^:]*)$")
LISTENER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
IPV6 = re.compile(r"^\[[0-9A-Fa-f:.]+\]$")
CHROOT = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
HEAP_UNITS = re.compile(r"^[1-9][0-9]*[mMgG]$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Names of settings whose values are secrets: never quoted in a message.
SECRET_NAME = re.compile(r"password|passwd|secret|credential|jaas|token|(^|[._-])key($|[._-])", re.IGNORECASE)
DEFAULT_PROTOCOL_MAP = {"PLAINTEXT": "PLAINTEXT", "SSL": "SSL", "SASL_PLAINTEXT": "SASL_PLAINTEXT",
                        "SASL_SSL": "SASL_SSL"}
SECURITY_PROTOCOLS = frozenset(DEFAULT_PROTOCOL_MAP)
UNROUTABLE = ("0.0.0.0", "[::]")  # noqa: S104 - listed to be refused as advertised hosts
HEAP_FLOOR_MB = {"kafka": 256, "zookeeper": 64}
# Directories of the operating system: a service must never own one of them, and the
# volatile or kernel ones must not hold anything of a service.
SYSTEM_DIRS = frozenset({
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt", "/proc",
    "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",  # noqa: S108 - listed to be refused "/usr/bin", "/usr/lib", "/usr/local",
    "/usr/local/bin", "/usr/local/lib", "/usr/local/sbin", "/usr/sbin", "/usr/share", "/var", "/var/cache",
    "/var/lib", "/var/log", "/var/spool", "/var/tmp", "/etc/systemd",  # noqa: S108
    "/etc/systemd/system",
})
VOLATILE_ROOTS = ("/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", "/boot")  # noqa: S108 - refused


# --- the model ------------------------------------------------------------------------------


def _pick(hostvars: Mapping[str, Any], host: str, defaults: Mapping[str, Any], name: str) -> Any:
    """A host's value of a role variable: the inventory's (or an extra var) or the role default.
    Never another host's value: the defaults come from the role's defaults file."""
    values = hostvars.get(host, {})
    if name in values:
        return values[name]
    return defaults.get(name)


def _enabled(value: Any) -> bool:
    """An inventory switch: a bool, or the words Ansible reads as one."""
    return value is True or str(value).strip().lower() in ("true", "yes", "on", "1")


def _mapping(value: Any) -> dict[str, Any]:
    """A properties dict, or an empty one for anything else (reported by kafka_model_errors)."""
    return dict(value) if isinstance(value, Mapping) else {}


def _join(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)


def parse_listeners(text: Any) -> list[dict[str, Any]]:
    """NAME://host:port,... as a list of {name, host, port (int or None), raw, valid}."""
    result = []
    for raw in _join(text).split(","):
        raw = raw.strip()
        if not raw:
            continue
        match = LISTENER.match(raw)
        if not match:
            result.append({"raw": raw, "valid": False, "name": None, "host": None, "port": None})
            continue
        port = _as_int(match.group("port"))
        result.append({"raw": raw, "valid": True, "name": match.group("name"), "host": match.group("host"),
                       "port": port})
    return result


def replication_defaults(broker_count: int) -> dict[str, int]:
    """Replication fit for three or more brokers, shrunk so a smaller cluster still starts."""
    factor = max(min(3, broker_count), 1)
    min_isr = 2 if broker_count >= 3 else 1
    return {"default.replication.factor": factor, "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": factor, "transaction.state.log.replication.factor": factor,
            "transaction.state.log.min.isr": min_isr}


def _with_controller_protocol(properties: Mapping[str, Any], protocol: str = "PLAINTEXT") -> str:
    """The listener map a KRaft node writes: the configured one (or Kafka's default) plus the
    controller listener, in the cluster's protocol unless the map says otherwise."""
    mapping = _protocol_map(properties)
    if mapping is None:  # malformed: written as given, refused by kafka_model_errors
        return _join(properties.get("listener.security.protocol.map"))
    mapping.setdefault(CONTROLLER_LISTENER, protocol)
    return ",".join(f"{name}:{protocol}" for name, protocol in mapping.items())


def _quorum_properties(controllers: list[dict[str, Any]], quorum: Any) -> dict[str, Any]:
    """How every KRaft node finds the controllers: a dynamic quorum (KIP-853) by default, where
    voters are changed at run time; static voters on request."""
    static = quorum == "static"
    return {
        "controller.listener.names": CONTROLLER_LISTENER,
        "controller.quorum.bootstrap.servers": None if static else
        ",".join(controller["bootstrap"] for controller in controllers if controller["bootstrap"]),
        "controller.quorum.voters": ",".join(f"{controller['id']}@{controller['bootstrap']}"
                                             for controller in controllers) if static else None,
    }


# Kafka tools that took their client settings file under a name of their own before Kafka 4.3
# (KIP-1147 named it --command-config everywhere; the old names are kept, deprecated, through 4.x).
# Every other tool the toolkit runs takes --command-config in every release it deploys.
LEGACY_CLIENT_CONFIG_OPTIONS = {
    "kafka-console-producer.sh": "--producer.config",
    "kafka-console-consumer.sh": "--consumer.config",
    "kafka-leader-election.sh": "--admin.config",
    "kafka-cluster.sh": "--config",
}
COMMAND_CONFIG_SINCE = (4, 3)


def client_config_option(tool: str, release: Any) -> str:
    """The option by which Kafka's `tool` of `release` (3.9.2) reads a client settings file."""
    try:
        numbers = tuple(int(part) for part in str(release).split(".")[:2])
    except ValueError:
        numbers = COMMAND_CONFIG_SINCE
    if numbers < COMMAND_CONFIG_SINCE and tool in LEGACY_CLIENT_CONFIG_OPTIONS:
        return LEGACY_CLIENT_CONFIG_OPTIONS[tool]
    return "--command-config"


def _security(hosts: list[str], hostvars: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The cluster's one security setting (kafka_security, read on the first host; every host's
    value is kept for kafka_model_errors), the properties it adds to every node, and what a client
    on the hosts needs to reach the listeners: the toolkit's modules, its verifier and Kafka's CLI
    (--command-config) all read the one client file written from it."""
    given = {host: _pick(hostvars, host, defaults, "kafka_security") for host in hosts}
    mode = str(next(iter(given.values()), None) or "plaintext")
    protocol = SECURITY_MODES.get(mode, "PLAINTEXT")
    directory = str(_pick(hostvars, (hosts or [""])[0], defaults, "kafka_security_dir") or "").rstrip("/")
    tls = protocol == "SSL"
    ca_file = f"{directory}/ca.crt" if tls else None
    # PEM stores: the host's key and certificate chain in one file, the CA in another; no store
    # passwords (Kafka refuses them for PEM) and no keytool.
    properties = {"ssl.keystore.type": "PEM", "ssl.keystore.location": f"{directory}/host.pem",
                  "ssl.truststore.type": "PEM", "ssl.truststore.location": ca_file} if tls else {}
    client_config = _pick(hostvars, (hosts or [""])[0], defaults, "kafka_client_config")
    release = _pick(hostvars, (hosts or [""])[0], defaults, "kafka_version")
    client = {"security.protocol": protocol, **({"ssl.truststore.type": "PEM", "ssl.truststore.location": ca_file}
                                               if tls else {})}
    return {"mode": mode, "protocol": protocol, "given": given, "properties": properties, "directory": directory,
            "client_config": client_config,
            # What Kafka's CLI tools and the toolkit's own take to reach the listeners; tool_args
            # for the Kafka tools whose option depends on the release (kafka_version).
            "client_args": ["--command-config", client_config] if tls else [],
            "tool_args": {tool: [client_config_option(tool, release), client_config] if tls else []
                          for tool in LEGACY_CLIENT_CONFIG_OPTIONS},
            "ca_file": ca_file, "keystore_file": properties.get("ssl.keystore.location"),
            "client_properties": client}


def _controllers(hosts: list[str], hostvars: Mapping[str, Any], defaults: Mapping[str, Any],
                 first_broker_ids: Mapping[str, Any], security: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The KRaft controllers: one per host of the controllers' group, its own process beside the
    host's brokers, or (kafka_controller_combined) a role of the host's first broker, whose node id
    it then is (first_broker_ids); kafka_cluster_model fills in the rest of a combined one."""
    result = []
    for host in hosts:
        combined = _enabled(_pick(hostvars, host, defaults, "kafka_controller_combined"))
        given_id = _pick(hostvars, host, defaults, "kafka_controller_id")
        node_id = first_broker_ids.get(host) if combined else given_id
        port = _pick(hostvars, host, defaults, "kafka_controller_port")
        data_root = str(_pick(hostvars, host, defaults, "kafka_data_root"))
        advertised_host = _pick(hostvars, host, defaults, "kafka_advertised_host") or host
        log_dirs = [f"{data_root.rstrip('/')}/controller"]
        given = {"kafka_controller_properties": _pick(hostvars, host, defaults, "kafka_controller_properties")}
        sources = {name: _mapping(value) for name, value in given.items()}
        listeners = f"{CONTROLLER_LISTENER}://:{port}"
        advertised = f"{CONTROLLER_LISTENER}://{advertised_host}:{port}"
        metrics_port = _pick(hostvars, host, defaults, "kafka_controller_metrics_port") \
            if _enabled(_pick(hostvars, host, defaults, "kafka_metrics")) else None
        result.append({
            "role": "controller", "roles": ["controller"], "combined": combined, "given_id": given_id,
            "host": host, "index": 0, "name": "controller", "id": node_id, "port": port,
            "listeners": listeners, "advertised_listeners": advertised, "bootstrap": f"{advertised_host}:{port}",
            "log_dirs": log_dirs, "heap": _pick(hostvars, host, defaults, "kafka_controller_heap"),
            "jmx_port": None, "rack": None, "chroot": None, "sources": sources,
            "metrics_port": metrics_port,
            "metrics_address": f"{advertised_host}:{metrics_port}" if metrics_port else None,
            "malformed": [name for name, value in given.items() if value and not isinstance(value, Mapping)],
            "properties": {},
        })
    quorum = _quorum_properties(result, _pick(hostvars, (hosts or [""])[0], defaults, "kafka_quorum"))
    for controller in result:
        if controller["combined"]:
            continue
        properties: dict[str, Any] = dict(security["properties"])
        for values in controller["sources"].values():
            properties.update(values)
        properties.update({"process.roles": "controller", "node.id": controller["id"],
                           "listeners": controller["listeners"],
                           "advertised.listeners": controller["advertised_listeners"],
                           "log.dirs": ",".join(controller["log_dirs"]), **quorum})
        properties["listener.security.protocol.map"] = _with_controller_protocol(properties, security["protocol"])
        controller["properties"] = {key: value for key, value in properties.items() if value is not None}
    return result


def _migration_properties(brokers: list[dict[str, Any]], migration: str) -> dict[str, Any]:
    """What a controller adds while it migrates the brokers' metadata out of ZooKeeper: the
    brokers' ensemble and chroot, the listener it reaches ZooKeeper-mode brokers on, and the
    brokers' listener map."""
    if not migration or not brokers:
        return {}
    first = brokers[0]["properties"]
    mapping = _protocol_map(first) or dict(DEFAULT_PROTOCOL_MAP)
    mapping.setdefault(CONTROLLER_LISTENER, "PLAINTEXT")
    return {
        MIGRATION_FLAG: "true",
        "zookeeper.connect": brokers[0]["zookeeper_connect"],
        "inter.broker.listener.name": first.get("inter.broker.listener.name")
        or first.get("security.inter.broker.protocol") or "PLAINTEXT",
        "listener.security.protocol.map": ",".join(f"{name}:{protocol}" for name, protocol in mapping.items()),
    }


def _combine(controller: dict[str, Any], brokers: list[dict[str, Any]]) -> None:
    """A combined controller becomes a role of its host's first broker: one process, one node id,
    one properties file with both roles, the controller listener beside the broker's, and the
    metadata log in the broker's first log directory."""
    broker = next((broker for broker in brokers if broker["host"] == controller["host"] and broker["index"] == 0), None)
    if broker is None:  # refused by kafka_model_errors
        return
    controller.update({"name": broker["name"], "log_dirs": broker["log_dirs"], "heap": None, "metrics_port": None,
                       "metrics_address": None, "properties": broker["properties"]})
    broker["roles"] = ["broker", "controller"]
    broker["quorum_bootstrap"] = controller["bootstrap"]
    properties = broker["properties"]
    properties["process.roles"] = "broker,controller"
    properties["listeners"] = f"{properties['listeners']},{controller['listeners']}"
    properties["advertised.listeners"] = f"{properties['advertised.listeners']},{controller['advertised_listeners']}"


def _retired_controllers(hostvars: Mapping[str, Any], controller_hosts: list[str],
                         defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Hosts that still carry a kafka_controller_id but left the controllers' group: the voter a
    run removes, which may still lead the quorum until it is removed."""
    result = []
    for host in hostvars:
        if host in controller_hosts or "kafka_controller_id" not in hostvars.get(host, {}):
            continue
        port = _pick(hostvars, host, defaults, "kafka_controller_port")
        advertised_host = _pick(hostvars, host, defaults, "kafka_advertised_host") or host
        result.append({"host": host, "id": _pick(hostvars, host, defaults, "kafka_controller_id"),
                       "bootstrap": f"{advertised_host}:{port}"})
    return result


def _cluster_defaults(brokers: list[dict[str, Any]]) -> dict[str, Any]:
    """The brokers' values of CONTROLLER_CLUSTER_DEFAULTS: the highest number where they differ,
    and unclean leader election only if every broker allows it."""
    result: dict[str, Any] = {}
    for key in CONTROLLER_CLUSTER_DEFAULTS:
        values = [broker["properties"][key] for broker in brokers if key in broker["properties"]]
        if not values:
            continue
        numbers = [_as_int(value) for value in values]
        if all(number is not None for number in numbers):
            result[key] = max(numbers)
        else:
            lowered = {str(value).strip().lower() for value in values}
            result[key] = "true" if lowered == {"true"} else "false" if lowered <= {"true", "false"} else values[0]
    return result


def kafka_cluster_model(hosts: list[str], hostvars: Mapping[str, Any], defaults: Mapping[str, Any],
                        zookeeper_hosts: list[str] | None = None,
                        base_properties: Mapping[str, Any] | None = None,
                        controller_hosts: list[str] | None = None) -> dict[str, Any]:
    """The cluster as the inventory describes it; see the module's docstring.

    defaults: the kafka role's defaults file (kafka_port, kafka_data_root, ...), read as data.
    base_properties: the role's static server.properties defaults."""
    hosts = list(hosts or [])
    controller_hosts = list(controller_hosts or [])
    anchor = (hosts or controller_hosts or [""])[0]
    mode = _pick(hostvars, anchor, defaults, "kafka_mode")
    kraft = mode == "kraft"
    migration = str(_pick(hostvars, anchor, defaults, "kafka_migration") or "") if mode == "zookeeper" else ""
    entries: list[tuple[str, int, dict[str, Any], Mapping[str, Any]]] = []
    for host in hosts:
        listed = _pick(hostvars, host, defaults, "kafka_brokers") or []
        if not isinstance(listed, list):
            listed = [listed]
        if not listed:
            listed = [{"id": _pick(hostvars, host, defaults, "kafka_broker_id"), "name": "server"}]
        for index, raw in enumerate(listed):
            entry = dict(raw) if isinstance(raw, Mapping) else {"id": raw}
            entries.append((host, index, entry, listed))
    first_broker_ids = {host: entry.get("id") for host, index, entry, _ in entries if index == 0}
    security = _security(list(dict.fromkeys(hosts + controller_hosts)), hostvars, defaults)
    protocol = security["protocol"]
    controllers = _controllers(controller_hosts, hostvars, defaults, first_broker_ids, security) \
        if kraft or migration else []
    quorum = _quorum_properties(controllers, _pick(hostvars, anchor, defaults, "kafka_quorum"))
    replication = replication_defaults(len(entries))
    zk_nodes = zookeeper_nodes(list(zookeeper_hosts or []), hostvars,
                               {"client_port": defaults.get("kafka_zookeeper_client_port", 2181)})
    brokers = []
    for host, index, entry, listed in entries:
        port_base = _pick(hostvars, host, defaults, "kafka_port")
        data_root = str(_pick(hostvars, host, defaults, "kafka_data_root"))
        advertised_host = _pick(hostvars, host, defaults, "kafka_advertised_host") or host
        name = entry.get("name") or ("server" if len(listed) == 1 else None)
        base = _as_int(port_base)
        port = entry.get("port", base + index if base is not None else port_base)
        listeners = _join(entry.get("listeners") or f"{protocol}://:{port}")
        advertised = _join(entry.get("advertised_listeners") or f"{protocol}://{advertised_host}:{port}")
        log_dirs = entry.get("log_dirs") or [f"{data_root.rstrip('/')}/{name if name is not None else index}"]
        if not isinstance(log_dirs, list):
            log_dirs = [log_dirs]
        rack = entry.get("rack", _pick(hostvars, host, defaults, "kafka_rack"))
        chroot = _pick(hostvars, host, defaults, "kafka_zookeeper_chroot")
        metrics_port = None
        if _enabled(_pick(hostvars, host, defaults, "kafka_metrics")):
            metrics_base = _as_int(_pick(hostvars, host, defaults, "kafka_metrics_port"))
            metrics_port = entry.get("metrics_port", metrics_base + index if metrics_base is not None else
                                     _pick(hostvars, host, defaults, "kafka_metrics_port"))
        given = {"kafka_properties": _pick(hostvars, host, defaults, "kafka_properties"),
                 "kafka_host_properties": _pick(hostvars, host, defaults, "kafka_host_properties"),
                 f"kafka_brokers[{index}].properties": entry.get("properties")}
        sources = {name: _mapping(value) for name, value in given.items()}
        malformed = [name for name, value in given.items() if value and not isinstance(value, Mapping)]
        broker_zookeeper = zookeeper_connect(zk_nodes, chroot if isinstance(chroot, str) else "")
        identity: dict[str, Any] = {
            "broker.id": entry.get("id"), "node.id": None, "log.dir": None,
            "listeners": listeners, "advertised.listeners": advertised, "log.dirs": ",".join(map(str, log_dirs)),
            "zookeeper.connect": broker_zookeeper,
        }
        kraft_broker = kraft or migration == "kraft"
        if kraft_broker:
            # A migrated broker keeps its id as its node id, and its log directories.
            identity.update({"broker.id": None, "node.id": entry.get("id"), "zookeeper.connect": None,
                             "process.roles": "broker", **quorum})
        elif migration == "brokers":
            identity.update({MIGRATION_FLAG: "true", **quorum})
        properties: dict[str, Any] = {**dict(base_properties or {}), **replication, **security["properties"]}
        if kraft_broker:
            properties.update(dict.fromkeys(ZOOKEEPER_ONLY))
        for values in sources.values():
            properties.update(values)
        properties.update(identity)
        # Brokers talk to each other on the cluster's protocol; Kafka refuses both settings at once.
        if protocol != "PLAINTEXT" and "inter.broker.listener.name" not in properties:
            properties.setdefault("security.inter.broker.protocol", protocol)
        if kraft_broker or migration == "brokers":
            properties["listener.security.protocol.map"] = _with_controller_protocol(properties, protocol)
        if rack:
            properties["broker.rack"] = rack
        advertised_parsed = parse_listeners(advertised)
        first = next((item for item in advertised_parsed if item["valid"]), None)
        brokers.append({
            "role": "broker", "roles": ["broker"], "host": host, "index": index, "name": name, "id": entry.get("id"),
            "port": port,
            "listeners": listeners, "advertised_listeners": advertised,
            # The variable a fix of the advertised address goes to when the entry does not set its own.
            "advertised_from": None if entry.get("advertised_listeners") else
            "kafka_advertised_host" if _pick(hostvars, host, defaults, "kafka_advertised_host") else None,
            "bootstrap": f"{first['host']}:{first['port']}" if first else None,
            "log_dirs": [str(item) for item in log_dirs],
            "heap": entry.get("heap", _pick(hostvars, host, defaults, "kafka_heap")),
            "jmx_port": entry.get("jmx_port"), "rack": rack or None, "chroot": chroot,
            "zookeeper_connect": broker_zookeeper,
            "metrics_port": metrics_port,
            "metrics_address": f"{advertised_host}:{metrics_port}" if metrics_port else None,
            "properties": {key: value for key, value in properties.items() if value is not None},
            "sources": sources,
            "malformed": malformed,
        })
    cluster_defaults = _cluster_defaults(brokers)
    for controller in controllers:
        if controller["combined"]:
            _combine(controller, brokers)
            continue
        controller["properties"] = {**cluster_defaults, **controller["properties"],
                                    **_migration_properties(brokers, migration)}
    separate = [controller for controller in controllers if not controller["combined"]]
    return {
        "mode": mode,
        "migration": migration,
        "security": security,
        "brokers": brokers,
        # The voters of the quorum, whatever process each runs in.
        "controllers": controllers,
        # Every process of the cluster, controllers first: what a host runs and restarts. A
        # combined controller is its broker's process and appears once, as that broker.
        "nodes": separate + brokers,
        "quorum_bootstrap_servers": [controller["bootstrap"] for controller in controllers],
        "retired_controllers": _retired_controllers(hostvars, controller_hosts, defaults) if kraft else [],
        "broker_ids": [broker["id"] for broker in brokers],
        "bootstrap_servers": [broker["bootstrap"] for broker in brokers if broker["bootstrap"]],
        # What Prometheus scrapes: every node that serves its metrics (kafka_metrics).
        "metrics_targets": [{"address": node["metrics_address"], "host": node["host"], "node": node["name"],
                             "role": ",".join(node["roles"]), "id": node["id"]}
                            for node in separate + brokers if node["metrics_address"]],
        "zookeeper_nodes": zk_nodes,
        "zookeeper_connect": None if kraft else brokers[0]["zookeeper_connect"] if brokers
        else zookeeper_connect(zk_nodes),
        "replication_defaults": replication,
        "cluster_defaults": cluster_defaults,
        # The strictest broker's: a topic without its own setting gets its leader's.
        "min_insync_replicas": _as_int(cluster_defaults.get("min.insync.replicas")) or 1,
    }


# --- checks ---------------------------------------------------------------------------------


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{path}.{key}" if path else str(key), key
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def control_char_errors(value: Any, variable: str, host: str) -> list[str]:
    """A control character (newline, carriage return, tab, NUL...) in any key or string value
    that reaches a file or a command line: it would split one setting into two lines."""
    errors = []
    for where, item in _walk(value):
        if isinstance(item, str) and CONTROL.search(item):
            char = CONTROL.search(item).group(0)
            label = f"{variable}.{where}" if where else variable
            shown = "the value" if SECRET_NAME.search(label) else repr(item)
            errors.append(f"{label} on {host}: {shown} holds the control character {char!r}; written to a "
                          f"configuration file or a unit it would start a new line (a second setting, or a "
                          f"command systemd runs). Fix: remove it; a value is always one line.")
    return errors


def _normalize(path: str) -> str:
    return posixpath.normpath(path) if path else path


def _nested(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def path_errors(paths: list[Mapping[str, Any]], host: str,
                may_nest: list[list[str]] | tuple = ()) -> list[str]:
    """Paths a service owns: absolute, not the root or a system directory, not somewhere
    volatile, and not inside or equal to a path of another kind.

    paths: [{variable, path, kind, parent}]; parent marks a directory the toolkit only puts
    things into (an install root such as /opt), which may be a system directory; kind groups
    paths that may share a location (the same kind) and may_nest lists [inner_kind, outer_kind]
    pairs allowed inside one another (a broker's log dir inside the data root, a release inside the install root)."""
    errors = []
    allowed = {tuple(pair) for pair in may_nest}
    checked = []
    for item in paths:
        variable, raw = item["variable"], item["path"]
        if not isinstance(raw, str) or not raw:
            errors.append(f"{variable} on {host}: {raw!r} is not a path. Fix: set an absolute path such as "
                          f"/var/lib/kafka.")
            continue
        if not raw.startswith("/"):
            errors.append(f"{variable} on {host}: {raw!r} is relative; services do not run in the directory "
                          f"Ansible runs in. Fix: write it as an absolute path.")
            continue
        if re.search(r"[\s%\\]", raw) or CONTROL.search(raw):
            errors.append(f"{variable} on {host}: {raw!r} holds a space, a control character, '%' or a backslash, "
                          f"which systemd reads as separators or specifiers in unit files. Fix: use a path without "
                          f"them.")
            continue
        path = _normalize(raw)
        if path != (raw.rstrip("/") or "/") or "//" in raw:
            errors.append(f"{variable} on {host}: {raw!r} is not in normal form (it would be read as {path}). "
                          f"Fix: write {path}.")
            continue
        if path in SYSTEM_DIRS and not (item.get("parent") and path != "/"):
            errors.append(f"{variable} on {host}: {path} is a directory of the operating system; the toolkit "
                          f"changes the owner and mode of what it manages and an uninstall removes it. Fix: use a "
                          f"directory of its own, such as {path.rstrip('/')}/kafka-toolkit.")
            continue
        if any(_nested(path, root) for root in VOLATILE_ROOTS):
            errors.append(f"{variable} on {host}: {path} is under a volatile or kernel directory "
                          f"({', '.join(VOLATILE_ROOTS)}), emptied at boot or not a real file system. Fix: "
                          f"use a persistent directory such as /var/lib/<service>.")
            continue
        checked.append((variable, path, item.get("kind", variable)))
    for position, (variable, path, kind) in enumerate(checked):
        for other_variable, other_path, other_kind in checked[position + 1:]:
            if kind == other_kind or not (_nested(path, other_path) or _nested(other_path, path)):
                continue
            if path != other_path and (((kind, other_kind) in allowed and _nested(path, other_path))
                                       or ((other_kind, kind) in allowed and _nested(other_path, path))):
                continue
            relation = "is" if path == other_path else "overlaps"
            errors.append(f"{variable} on {host}: {path} {relation} {other_variable} ({other_path}); the two "
                          f"hold different things (data, logs, configuration, releases) and one's cleanup or "
                          f"ownership would hit the other. Fix: give each its own directory, side by side.")
    return errors


def paths_clear_of(candidates: list[str], protected: list[str]) -> list[str]:
    """The candidates for removal that neither hold nor lie inside a protected path (data)."""
    guarded = [_normalize(str(path)) for path in protected if path]

    def clear(path: str) -> bool:
        path = _normalize(str(path))
        return not any(_nested(guard, path) or _nested(path, guard) for guard in guarded)

    return [path for path in candidates if path and clear(path)]


def heap_format_errors(heap: Any, variable: str, host: str, service: str) -> list[str]:
    text = heap if isinstance(heap, str) else str(heap)
    if not HEAP_UNITS.fullmatch(text):
        return [f"{variable} on {host}: {text!r} is not a heap size in megabytes or gigabytes. Fix: write a "
                f"whole number followed by m or g, such as 512m or 1g."]
    floor = HEAP_FLOOR_MB[service]
    if heap_megabytes(text) < floor:
        return [f"{variable} on {host}: {text} is below the {floor}m a {service} JVM needs to start and serve. "
                f"Fix: set {floor}m or more."]
    return []


def _protocol_map(properties: Mapping[str, Any]) -> dict[str, str] | None:
    text = properties.get("listener.security.protocol.map")
    if text is None:
        return dict(DEFAULT_PROTOCOL_MAP)
    mapping = {}
    for item in _join(text).split(","):
        if not item.strip():
            continue
        if ":" not in item:
            return None
        name, protocol = (part.strip() for part in item.split(":", 1))
        mapping[name] = protocol
    return mapping


def _listener_errors(broker: Mapping[str, Any], where: str, fix_var: str) -> list[str]:
    errors = []
    properties = broker["properties"]
    mapping = _protocol_map(properties)
    if mapping is None:
        errors.append(f"listener.security.protocol.map on {where}: {properties['listener.security.protocol.map']!r} "
                      f"is not NAME:PROTOCOL,... Fix: write it like PLAINTEXT:PLAINTEXT,SSL:SSL.")
        mapping = {}
    for label, text in (("listeners", broker["listeners"]), ("advertised_listeners", broker["advertised_listeners"])):
        names = []
        parsed = parse_listeners(text)
        if not parsed:
            errors.append(f"{fix_var}.{label} on {where}: empty. Fix: leave it unset (PLAINTEXT on the broker's "
                          f"port) or write NAME://host:port.")
        derived = broker.get("advertised_from") if label == "advertised_listeners" else None
        for item in parsed:
            if not item["valid"] and derived:
                errors.append(f"{derived} on {where}: gives the advertised listener {item['raw']!r}, which is not "
                              f"NAME://host:port. Fix: set {derived} to a host name or address alone, without a "
                              f"port or a scheme (the broker's port is added), e.g. {broker['host']}.")
                continue
            if not item["valid"]:
                errors.append(f"{fix_var}.{label} on {where}: {item['raw']!r} is not NAME://host:port. Fix: write "
                              f"it like PLAINTEXT://:9092 (listeners) or PLAINTEXT://{broker['host']}:9092.")
                continue
            name, host, port = item["name"], item["host"], item["port"]
            if not LISTENER_NAME.fullmatch(name):
                errors.append(f"{fix_var}.{label} on {where}: listener name {name!r} is not a name (letters, "
                              f"digits and '_', starting with a letter). Fix: rename it, e.g. PLAINTEXT or CLIENT.")
            elif name in names:
                errors.append(f"{fix_var}.{label} on {where}: listener name {name} is used twice. Fix: give every "
                              f"listener its own name and port.")
            elif mapping and name not in mapping:
                errors.append(f"{fix_var}.{label} on {where}: listener name {name} is not in "
                              f"listener.security.protocol.map ({', '.join(sorted(mapping))}). Fix: add "
                              f"{name}:PLAINTEXT (or its protocol) to listener.security.protocol.map in "
                              f"kafka_properties.")
            names.append(name)
            if port is None or not 1 <= port <= 65535:
                errors.append(f"{fix_var}.{label} on {where}: port {item['raw'].rsplit(':', 1)[-1]!r} of {name} is "
                              f"not a TCP port. Fix: use 1-65535.")
            if label == "advertised_listeners" and (not host or host in UNROUTABLE):
                errors.append(f"{derived or f'{fix_var}.{label}'} on {where}: {item['raw']} advertises no reachable "
                              f"host; clients "
                              f"would be told to connect nowhere. Fix: advertise the host's name or address "
                              f"(kafka_advertised_host).")
            elif host and not (HOSTNAME.fullmatch(host) or IPV6.fullmatch(host)):
                errors.append(f"{derived or f'{fix_var}.{label}'} on {where}: {host!r} is not a host name or "
                              f"address. Fix: use a "
                              f"DNS name or an IP address.")
        if label == "listeners":
            bound = set(names)
        else:
            stray = [name for name in names if name not in bound]
            if stray:
                errors.append(f"{fix_var}.advertised_listeners on {where}: advertises {', '.join(stray)}, which "
                              f"the broker does not listen on ({', '.join(sorted(bound))}). Fix: advertise only "
                              f"listeners named in listeners.")
    for protocol in sorted(set(mapping.values()) - SECURITY_PROTOCOLS):
        errors.append(f"listener.security.protocol.map on {where}: {protocol} is not a security protocol "
                      f"({', '.join(sorted(SECURITY_PROTOCOLS))}). Fix: correct it.")
    inter = properties.get("inter.broker.listener.name")
    if inter is not None and inter not in [item["name"] for item in parse_listeners(broker["advertised_listeners"])]:
        errors.append(f"inter.broker.listener.name on {where}: {inter} is not an advertised listener of the "
                      f"broker. Fix: name one of its advertised listeners, or remove it.")
    return errors


def _replication_errors(properties: Mapping[str, Any], broker_count: int, where: str) -> list[str]:
    errors = []

    def number(key: str) -> int | None:
        return _as_int(properties.get(key))

    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor", "min.insync.replicas", "transaction.state.log.min.isr"):
        if key in properties and (number(key) is None or number(key) < 1):
            errors.append(f"{key} on {where}: {properties[key]!r} is not a whole number of 1 or more. Fix: set it "
                          f"in kafka_properties (3 for replication factors, 2 for min ISR on three brokers).")
    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor"):
        value = number(key)
        if value is not None and value > broker_count:
            errors.append(f"{key} on {where}: {value} exceeds the {broker_count} brokers of the inventory. Fix: "
                          f"set it to {broker_count} or less in kafka_properties, or add brokers.")
    rf, min_isr = number("default.replication.factor"), number("min.insync.replicas")
    if rf is not None and min_isr is not None and min_isr >= 1 and (min_isr > rf or (min_isr == rf and rf > 1)):
        errors.append(f"min.insync.replicas on {where}: {min_isr} with default.replication.factor {rf} leaves no "
                      f"replica to lose: acks=all writes stop as soon as one broker is down. Fix: set "
                      f"min.insync.replicas to {max(rf - 1, 1)} (replication factor minus one).")
    tx_rf, tx_isr = number("transaction.state.log.replication.factor"), number("transaction.state.log.min.isr")
    if tx_rf is not None and tx_isr is not None and tx_isr > tx_rf:
        errors.append(f"transaction.state.log.min.isr on {where}: {tx_isr} exceeds "
                      f"transaction.state.log.replication.factor {tx_rf}. Fix: lower it to {max(tx_rf - 1, 1)}.")
    return errors


def _kraft_errors(model: Mapping[str, Any], controller_group: str) -> list[str]:
    """The controllers of a KRaft cluster, and what KRaft asks of the brokers."""
    mode = model.get("mode")
    if mode not in MODES:
        return [f"kafka_mode on all hosts: {mode!r} is not a mode. Fix: set kafka_mode to zookeeper (Kafka 3.x "
                f"with a ZooKeeper ensemble) or kraft (Kafka's own controller quorum, the only mode of Kafka 4)."]
    migration = model.get("migration") or ""
    if migration and migration not in MIGRATION_PHASES:
        return [f"kafka_migration on all hosts: {migration!r} is not a phase of the migration. Fix: leave it unset; "
                f"playbooks/migrate-to-kraft.yml sets it."]
    if mode != "kraft" and not migration:
        return []
    controllers = model.get("controllers") or []
    if not controllers:
        needs = "the migration to KRaft needs" if migration else "KRaft mode needs"
        return [f"group '{controller_group}' on all hosts: {needs} controllers and this group is empty or "
                f"missing. Fix: list three hosts (an odd number) under '{controller_group}' in the inventory, each "
                f"with its own kafka_controller_id."]
    errors: list[str] = []
    brokers = model.get("brokers") or []
    node_ids = {_as_int(broker["id"]): f"broker on {broker['host']} ({broker['name']})" for broker in brokers}
    for controller in controllers:
        host = controller["host"]
        if controller.get("combined"):
            errors += _combined_errors(controller, brokers, migration)
            continue
        errors += [f"{variable} on {host}: not a dict of properties. Fix: write it as key: value pairs."
                   for variable in controller.get("malformed", [])]
        for variable, values in controller["sources"].items():
            errors += control_char_errors(values, variable, host)
            errors += [f"{variable} on {host}: sets {key}, which the toolkit derives from kafka_controller_id, "
                       f"kafka_controller_port and the '{controller_group}' group. Fix: remove {key} from {variable}."
                       for key in KAFKA_IDENTITY if key in values]
        raw = controller["id"]
        node_id = _as_int(raw)
        if raw is None:
            errors.append(f"kafka_controller_id on {host}: not set. Fix: set kafka_controller_id in "
                          f"host_vars/{host}.yml to a number no broker or other controller uses (such as 1001); "
                          f"never change it once the controller has data.")
        elif node_id is None or not 0 <= node_id <= BROKER_ID_MAX:
            errors.append(f"kafka_controller_id on {host}: {raw!r} is not a whole number from 0 to {BROKER_ID_MAX}. "
                          f"Fix: use an unused number such as 1001.")
        elif node_id in node_ids:
            errors.append(f"kafka_controller_id on {host}: {node_id} is already the id of the {node_ids[node_id]}; "
                          f"controllers and brokers share one space of node ids. Fix: give the controller its own "
                          f"id (such as {node_id + 1000}).")
        else:
            node_ids[node_id] = f"controller on {host}"
        port = _as_int(controller["port"])
        errors += _controller_port_errors(controller, brokers)
        if controller["metrics_port"] is not None:
            metrics = _as_int(controller["metrics_port"])
            if metrics is None or not 1 <= metrics <= 65535 or metrics == port:
                errors.append(f"kafka_controller_metrics_port on {host}: {controller['metrics_port']!r} is not a TCP "
                              f"port of its own. Fix: use 1-65535, not the controller port (7070 by default).")
        for broker in brokers:
            if broker["host"] != host:
                continue
            taken = [item["port"] for item in parse_listeners(broker["listeners"]) if item["valid"]]
            metrics = _as_int(controller["metrics_port"])
            broker_ports = [*taken, _as_int(broker["jmx_port"]), _as_int(broker["metrics_port"])]
            if metrics is not None and metrics in broker_ports:
                errors.append(f"kafka_controller_metrics_port on {host}: {metrics} is also a port of broker "
                              f"{broker['name']} on the same host. Fix: give the controller's metrics their own port "
                              f"(7070 by default, below the brokers' 7071 and up).")
            if broker["name"] == "controller":
                errors.append(f"kafka_brokers name on {host}: 'controller' is the name of the host's controller "
                              f"(kafka@controller). Fix: rename the broker.")
            for log_dir in broker["log_dirs"]:
                for own in controller["log_dirs"]:
                    if _nested(_normalize(str(log_dir)), own) or _nested(own, _normalize(str(log_dir))):
                        errors.append(f"kafka log dir on {host} ({broker['name']}): {log_dir} overlaps the "
                                      f"controller's metadata directory {own}. Fix: give the broker another "
                                      f"log directory.")
        errors += heap_format_errors(controller["heap"], "kafka_controller_heap", host, "kafka")
        errors += _weaker_controller_errors(controller["sources"].get("kafka_controller_properties") or {},
                                            model.get("cluster_defaults") or {}, host)
    # A host that left the group keeps its id until the run removes its voter; the same id on a
    # controller of the group would have that run remove the live voter's id, or refuse to add it.
    for retired in model.get("retired_controllers") or []:
        retired_id = _as_int(retired["id"])
        owner = node_ids.get(retired_id) if retired_id is not None else None
        if owner:
            name = retired["host"]
            errors.append(f"kafka_controller_id on {name}: {retired_id} is also the id of the {owner}, but {name} "
                          f"left '{controller_group}' and its voter is removed by id. Fix: give the new node another "
                          f"id, or remove kafka_controller_id from host_vars/{name}.yml once its voter is gone (a run "
                          f"with the host out of the group and no other node with the id).")
    # The controllers migrate the metadata the brokers keep under one chroot of one ensemble.
    connects = {broker.get("zookeeper_connect") for broker in brokers}
    if migration and len(connects) > 1:
        errors.append(f"kafka_zookeeper_chroot on all hosts: the brokers use {len(connects)} different ZooKeeper "
                      f"paths ({', '.join(sorted(map(str, connects)))}); one cluster keeps its metadata under one. "
                      f"Fix: give every broker the same kafka_zookeeper_chroot and ensemble before migrating.")
    for broker in brokers:
        names = [item["name"] for item in parse_listeners(broker["listeners"]) if item["valid"]]
        if CONTROLLER_LISTENER in names:
            errors.append(f"kafka_brokers listeners on {broker['host']} ({broker['name']}): {CONTROLLER_LISTENER} is "
                          f"the controllers' listener; a broker that listens on it would be taken for a controller. "
                          f"Fix: name the broker's listener otherwise (PLAINTEXT, CLIENT...).")
    return errors


def _security_errors(model: Mapping[str, Any]) -> list[str]:
    """One protocol for the whole cluster, one the toolkit can write."""
    security = model.get("security") or {}
    given = security.get("given") or {}
    if not given:
        return []
    anchor, mode = next(iter(given.items()))
    errors = [f"kafka_security on {host}: {value!r}, but {anchor} has {mode!r}; the whole cluster speaks one "
              f"protocol. Fix: set kafka_security once, in group_vars/all.yml."
              for host, value in given.items() if value != mode]
    if mode == "sasl_tls":
        errors.append(f"kafka_security on {anchor}: sasl_tls (SASL/SCRAM users over TLS) is not available yet. "
                      f"Fix: use tls (every listener on TLS, certificates from the toolkit's CA) or plaintext.")
    elif mode not in SECURITY_MODES:
        errors.append(f"kafka_security on {anchor}: {mode!r} is not one of {', '.join(SECURITY_MODES)}. Fix: set "
                      f"kafka_security to plaintext or tls.")
    elif mode != "plaintext" and model.get("migration"):
        errors.append(f"kafka_security on {anchor}: {mode} during a migration to KRaft is not supported yet. Fix: "
                      f"migrate a plaintext cluster.")
    # Written on every host, whatever is there: never a file of the system's (/etc/passwd).
    client_config = str(security.get("client_config") or "")
    if not (client_config.startswith("/") and client_config.endswith(".properties")) or CONTROL.search(client_config):
        errors.append(f"kafka_client_config on {anchor}: {client_config!r} is not an absolute path to a .properties "
                      f"file. Fix: use a path such as /etc/kafka/client.properties.")
    return errors


def _combined_errors(controller: Mapping[str, Any], brokers: list[Mapping[str, Any]], migration: str) -> list[str]:
    """A controller that runs in its host's first broker (kafka_controller_combined)."""
    host = controller["host"]
    own = [broker for broker in brokers if broker["host"] == host]
    if not own:
        return [f"kafka_controller_combined on {host}: true, but {host} runs no broker to share a process with (it "
                f"is not in the brokers' group). Fix: list {host} with its brokers in the brokers' group, or set "
                f"kafka_controller_combined: false and give the controller its own kafka_controller_id."]
    errors = []
    if migration:
        errors.append(f"kafka_controller_combined on {host}: a migration from ZooKeeper moves the metadata to "
                      f"controllers of their own; Kafka migrates no broker into a combined node. Fix: migrate with "
                      f"kafka_controller_combined: false (a kafka_controller_id per host).")
    given, first = controller.get("given_id"), own[0]
    if given is not None and _as_int(given) != _as_int(first["id"]):
        errors.append(f"kafka_controller_id on {host}: {given}, but a combined controller is the node of the host's "
                      f"first broker, {first['name']} (id {first['id']}). Fix: remove kafka_controller_id from "
                      f"host_vars/{host}.yml.")
    if controller["sources"].get("kafka_controller_properties"):
        errors.append(f"kafka_controller_properties on {host}: set, but the host's controller runs in broker "
                      f"{first['name']} and takes the broker's properties. Fix: move them to kafka_properties or "
                      f"kafka_brokers[0].properties.")
    return errors + _controller_port_errors(controller, brokers)


def _controller_port_errors(controller: Mapping[str, Any], brokers: list[Mapping[str, Any]]) -> list[str]:
    """The controller listener's port, in its own process or in a broker's: a TCP port that no
    broker of the host listens on or serves JMX or metrics on."""
    host = controller["host"]
    port = _as_int(controller["port"])
    if port is None or not 1 <= port <= 65535:
        return [f"kafka_controller_port on {host}: {controller['port']!r} is not a TCP port. Fix: use "
                f"1-65535 (9093 by default)."]
    return [f"kafka_controller_port on {host}: {port} is also a port of broker {broker['name']} on the same host. "
            f"Fix: give the controller its own port (9093 by default, with brokers from 9092 counting up: move "
            f"kafka_controller_port above them, e.g. 9193)."
            for broker in brokers if broker["host"] == host
            and port in [*(item["port"] for item in parse_listeners(broker["listeners"]) if item["valid"]),
                         _as_int(broker["jmx_port"]), _as_int(broker["metrics_port"])]]


def _weaker_controller_errors(given: Mapping[str, Any], brokers: Mapping[str, Any], host: str) -> list[str]:
    """A controller's own setting that would weaken the brokers' durability: with eligible leader
    replicas (Kafka 4) the controllers' min.insync.replicas is every topic's default, outranking
    the brokers' files, and a controller elects leaders by its own unclean.leader.election.enable."""
    errors = []
    for key in ("min.insync.replicas", "default.replication.factor", "num.partitions"):
        if key in given and (_as_int(given[key]) is None or _as_int(given[key]) < 1):
            errors.append(f"kafka_controller_properties.{key} on {host}: {given[key]!r} is not a whole number of 1 "
                          f"or more, and the controller would not start. Fix: remove it from "
                          f"kafka_controller_properties (the brokers' value is used), or write a number.")
    if "unclean.leader.election.enable" in given and \
            str(given["unclean.leader.election.enable"]).strip().lower() not in ("true", "false"):
        errors.append(f"kafka_controller_properties.unclean.leader.election.enable on {host}: "
                      f"{given['unclean.leader.election.enable']!r} is not true or false, the only values Kafka reads, "
                      f"and the controller would not start. Fix: remove it from kafka_controller_properties "
                      f"(the brokers' value is used), or write false.")
    mine, theirs = _as_int(given.get("min.insync.replicas")), _as_int(brokers.get("min.insync.replicas"))
    if mine is not None and mine >= 1 and theirs is not None and mine < theirs:
        errors.append(f"kafka_controller_properties.min.insync.replicas on {host}: {mine} is below the brokers' "
                      f"{theirs}; KRaft controllers make their value the default of every topic, so acks=all "
                      f"writes would be acknowledged by {mine} replica(s). Fix: remove it from "
                      f"kafka_controller_properties (the brokers' value is used), or lower min.insync.replicas "
                      f"for the brokers too.")
    unclean = str(given.get("unclean.leader.election.enable", "")).strip().lower()
    if unclean == "true" and str(brokers.get("unclean.leader.election.enable", "false")).lower() == "false":
        errors.append(f"kafka_controller_properties.unclean.leader.election.enable on {host}: true while the brokers "
                      f"say false; KRaft controllers elect leaders, so an out-of-sync replica could become leader "
                      f"and acknowledged messages be lost. Fix: remove it from kafka_controller_properties, or "
                      f"allow unclean election for the brokers too.")
    return errors


def kafka_model_errors(model: Mapping[str, Any], group: str = "kafka",
                       controller_group: str = "kafka_controllers") -> list[str]:
    """Every problem of the brokers (and KRaft controllers) as they will be written. Empty means the
    inventory is fit."""
    brokers = model.get("brokers") or []
    if not brokers:
        return [f"group '{group}' on all hosts: it is empty or missing. Fix: list the broker hosts under "
                f"'{group}' in the inventory."]
    errors: list[str] = _kraft_errors(model, controller_group) + _security_errors(model)
    ids: dict[int, str] = {}
    advertised: dict[str, str] = {}
    per_host: dict[str, dict[str, dict]] = {}
    for broker in brokers:
        host, index = broker["host"], broker["index"]
        label = broker["name"] or f"kafka_brokers[{index}]"
        where = f"{host} ({label})"
        seen = per_host.setdefault(host, {"names": {}, "ports": {}, "dirs": {}})
        errors += [f"{variable} on {where}: not a dict of properties. Fix: write it as key: value pairs."
                   for variable in broker.get("malformed", [])]
        for variable, values in broker["sources"].items():
            errors += control_char_errors(values, variable, where)
            for key in KAFKA_IDENTITY:
                if key in values:
                    errors.append(f"{variable} on {where}: sets {key}, which comes from the broker's own entry "
                                  f"(kafka_broker_id, kafka_port, kafka_advertised_host, or the id, port, listeners, "
                                  f"advertised_listeners and log_dirs of kafka_brokers). Fix: remove {key} from "
                                  f"{variable} and set the broker's field instead.")
        for field in ("name", "listeners", "advertised_listeners", "log_dirs", "rack", "heap", "chroot"):
            errors += control_char_errors(broker.get(field), f"kafka_brokers[{index}].{field}" if field != "chroot"
                                          else "kafka_zookeeper_chroot", where)
        raw = broker["id"]
        broker_id = _as_int(raw)
        if raw is None:
            errors.append(f"kafka_broker_id on {host}: not set. Fix: set kafka_broker_id to a number no other "
                          f"broker uses in host_vars/{host}.yml (or an id for each entry of kafka_brokers); "
                          f"never change it once the broker has data.")
        elif broker_id is None or not 0 <= broker_id <= BROKER_ID_MAX:
            errors.append(f"kafka_broker_id on {where}: {raw!r} is not a whole number from 0 to {BROKER_ID_MAX}. "
                          f"Fix: use an unused number such as 1, 2, 3.")
        elif broker_id in ids:
            errors.append(f"kafka_broker_id on {where}: {broker_id} is already the id of {ids[broker_id]}. Fix: "
                          f"give every broker its own id.")
        else:
            ids[broker_id] = where
        name = broker["name"]
        if name is None:
            errors.append(f"kafka_brokers[{index}].name on {host}: missing; a host with several brokers needs a "
                          f"name for each (it names the properties file, the log directory and the kafka@<name> "
                          f"unit). Fix: add name: server-one (for example).")
        elif not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):
            errors.append(f"kafka_brokers[{index}].name on {host}: {name!r} may hold only letters, digits, '.', "
                          f"'_' and '-' (64 at most, starting with a letter or digit). Fix: rename it.")
        elif name in seen["names"]:
            errors.append(f"kafka_brokers[{index}].name on {host}: {name!r} is used twice. Fix: give every broker "
                          f"of the host its own name.")
        else:
            seen["names"][name] = broker
        port = _as_int(broker["port"])
        if port is None or not 1 <= port <= 65535:
            errors.append(f"kafka_brokers port on {where}: {broker['port']!r} is not a TCP port. Fix: use 1-65535 "
                          f"(kafka_port, or port in kafka_brokers).")
        errors += _listener_errors(broker, where, f"kafka_brokers[{index}]")
        ports = [(item["port"], f"listener {item['name']}") for item in parse_listeners(broker["listeners"])
                 if item["valid"] and item["port"] is not None]
        if broker["jmx_port"] is not None:
            jmx = _as_int(broker["jmx_port"])
            if jmx is None or not 1 <= jmx <= 65535:
                errors.append(f"kafka_brokers[{index}].jmx_port on {where}: {broker['jmx_port']!r} is not a TCP "
                              f"port. Fix: use 1-65535.")
            else:
                ports.append((jmx, "JMX"))
        if broker["metrics_port"] is not None:
            metrics = _as_int(broker["metrics_port"])
            if metrics is None or not 1 <= metrics <= 65535:
                errors.append(f"kafka_metrics_port on {where}: {broker['metrics_port']!r} is not a TCP port. Fix: use "
                              f"1-65535 (7071 by default, further brokers of a host counting up; or metrics_port in "
                              f"kafka_brokers).")
            else:
                ports.append((metrics, "metrics"))
        for number, use in ports:
            if number in seen["ports"]:
                errors.append(f"kafka port on {where}: {number} ({use}) is also used by {seen['ports'][number]} on "
                              f"the same host. Fix: give each broker of {host} its own ports (9092, 9093, 9094 ...).")
            else:
                seen["ports"][number] = f"{label} ({use})"
        for item in parse_listeners(broker["advertised_listeners"]):
            if not item["valid"] or not item["host"]:
                continue
            address = f"{item['host']}:{item['port']}"
            if address in advertised and advertised[address] != where:
                errors.append(f"kafka_brokers[{index}].advertised_listeners on {where}: {address} is also "
                              f"advertised by {advertised[address]}; clients would reach one broker for both. Fix: "
                              f"advertise each broker at its own host:port.")
            advertised.setdefault(address, where)
        dir_paths = [{"variable": f"kafka_brokers[{index}].log_dirs" if broker["sources"] else "kafka_data_root",
                      "path": log_dir, "kind": f"log dir {position}"} for position, log_dir in
                     enumerate(broker["log_dirs"])]
        errors += path_errors(dir_paths, where)
        for log_dir in broker["log_dirs"]:
            normalized = _normalize(log_dir)
            for other, owner in seen["dirs"].items():
                if _nested(normalized, other) or _nested(other, normalized):
                    errors.append(f"kafka log dir on {where}: {log_dir} overlaps {other} of {owner}. Fix: give "
                                  f"each broker its own log directory (log_dirs), not nested in another's.")
            seen["dirs"][normalized] = label
        errors += heap_format_errors(broker["heap"], "kafka_heap", where, "kafka")
        chroot = broker.get("chroot")
        if chroot not in (None, "", "/") and not (isinstance(chroot, str) and CHROOT.fullmatch(chroot)):
            errors.append(f"kafka_zookeeper_chroot on {where}: {chroot!r} is not a znode path like /kafka or "
                          f"/clusters/kafka. Fix: write / and names of letters, digits, '.', '_' and '-'.")
        errors += _replication_errors(broker["properties"], len(brokers), where)
    return errors


def kafka_model_warnings(model: Mapping[str, Any], user: str = "kafka") -> list[str]:
    """Settings that trade safety away: allowed, but said out loud."""
    warnings = []
    for broker in model.get("brokers") or []:
        where = f"{broker['host']} ({broker['name']})"
        if str(broker["properties"].get("unclean.leader.election.enable", "false")).lower() == "true":
            warnings.append(f"unclean.leader.election.enable on {where}: true lets a replica that missed writes "
                            f"become leader, and acknowledged messages are then lost. Keep it false unless "
                            f"availability matters more than the data.")
    controllers = model.get("controllers") or []
    if controllers and len(controllers) % 2 == 0:
        warnings.append(f"kafka controllers: {len(controllers)}; a quorum of an even number survives no more "
                        f"failures than one controller fewer. Use 3 (or 5) once any growth is done.")
    if user == "root":
        warnings.append("kafka_user on all hosts: root runs the brokers, so a broker bug or a bad plugin owns the "
                        "host. Keep the default 'kafka' service account.")
    return warnings


def kafka_topic_errors(topics: Any, broker_count: int, min_insync: int | None = None,
                       variable: str = "kafka_topics_list") -> list[str]:
    """Declared topics by Kafka's own rules (shared with the verifier), their counts, and a
    topic-level min.insync.replicas that its replication factor can meet."""
    if topics is None:
        return []
    if not isinstance(topics, list):
        return [f"{variable} on all hosts: {type(topics).__name__} is not a list of topics. Fix: write a list of "
                f"{{name, partitions, replication_factor, configs, state}}."]
    errors: list[str] = []
    seen: set[str] = set()
    for index, topic in enumerate(topics):
        where = f"{variable}[{index}]"
        if not isinstance(topic, Mapping) or not isinstance(topic.get("name"), str) or not topic.get("name"):
            errors.append(f"{where} on all hosts: a topic needs a name. Fix: add name: <topic>.")
            continue
        name = topic["name"]
        errors += control_char_errors(dict(topic), where, "all hosts")
        where = f"{variable} ({name})"
        if name in seen:
            errors.append(f"{where} on all hosts: declared twice. Fix: keep one entry per topic.")
        seen.add(name)
        unknown = sorted(set(topic) - {"name", "partitions", "replication_factor", "configs", "state"})
        if unknown:
            errors.append(f"{where} on all hosts: unknown field(s) {', '.join(unknown)}. Fix: use name, partitions, "
                          f"replication_factor, configs and state.")
        state = topic.get("state", "present")
        if state not in ("present", "absent"):
            errors.append(f"{where} on all hosts: state {state!r} must be present or absent. Fix: correct it.")
        configs = topic.get("configs") or {}
        if not isinstance(configs, Mapping):
            errors.append(f"{where} on all hosts: configs must be a dict of topic settings. Fix: write configs: "
                          f"{{retention.ms: 86400000}}.")
            configs = {}
        # A topic without its own min.insync.replicas gets the brokers'; both must fit its factor.
        problems = topic_spec_errors(name, topic.get("partitions", 1), topic.get("replication_factor", 3),
                                     broker_count if state == "present" else 32767,
                                     configs.get("min.insync.replicas", min_insync))
        naming = topic_name_errors(name)
        errors += [f"{where} on all hosts: {problem}. Fix: {'rename it' if problem in naming else 'correct the entry'}."
                   for problem in problems]
    return errors


def kafka_topic_warnings(topics: Any, variable: str = "kafka_topics_list") -> list[str]:
    names = [topic["name"] for topic in topics or []
             if isinstance(topic, Mapping) and isinstance(topic.get("name"), str)]
    return [f"{variable} on all hosts: {first} and {second} collide in Kafka's metric names ('.' and '_' are the "
            f"same there). Pick names that differ in more than that." for first, second in topic_name_collisions(names)]


def zookeeper_model_errors(properties: Mapping[str, Mapping[str, Any]], host: str) -> list[str]:
    """zookeeper_properties / zookeeper_host_properties: one line per value, and no membership
    (server.N) or derived keys, which come from the group and the role's variables."""
    errors = []
    for variable, values in properties.items():
        errors += control_char_errors(values or {}, variable, host)
        for key in values or {}:
            if re.fullmatch(r"server\.[0-9]+", str(key)):
                errors.append(f"{variable} on {host}: sets {key}; the ensemble's members come from the "
                              f"'zookeeper' group and each host's zookeeper_id. Fix: remove {key} and add or remove "
                              f"hosts in the group.")
            elif key in ("dataDir", "dataLogDir", "clientPort", "secureClientPort"):
                errors.append(f"{variable} on {host}: sets {key}, which the role derives itself. Fix: remove it; use "
                              f"zookeeper_data_dir, zookeeper_datalog_dir or zookeeper_client_port.")
    return errors


def host_port_errors(ports: list[Mapping[str, Any]], host: str) -> list[str]:
    """Two services of one host on one port (Kafka listeners and JMX, ZooKeeper client, quorum,
    election, admin and metrics ports): [{port, use}]."""
    errors, seen = [], {}
    for item in ports:
        number = _as_int(item["port"])
        if number is None:
            continue
        if number in seen:
            errors.append(f"{item['use']} on {host}: port {number} is also {seen[number]}. Fix: give each service of "
                          f"{host} its own port.")
        else:
            seen[number] = item["use"]
    return errors


class FilterModule:
    """Ansible entry point."""

    def filters(self) -> dict:
        return {
            "kafka_cluster_model": kafka_cluster_model,
            "kafka_model_errors": kafka_model_errors,
            "kafka_model_warnings": kafka_model_warnings,
            "kafka_topic_errors": kafka_topic_errors,
            "kafka_topic_warnings": kafka_topic_warnings,
            "zookeeper_model_errors": zookeeper_model_errors,
            "control_char_errors": control_char_errors,
            "path_errors": path_errors,
            "paths_clear_of": paths_clear_of,
            "heap_format_errors": heap_format_errors,
            "host_port_errors": host_port_errors,
            "parse_listeners": parse_listeners,
        }
