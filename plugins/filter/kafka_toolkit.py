"""Filters that turn the inventory into ZooKeeper nodes and Kafka broker instances, and
check them before any host is touched.

Every check returns messages of one shape: "<variable> on <host>: <what is wrong>. Fix: <how>",
so a refused run says which variable, which host and what to do.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

INSTANCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LISTENER_PORT = re.compile(r":(\d+)\s*$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
HEAP = re.compile(r"^(\d+)([kKmMgG])$")
SHA512_HEX = re.compile(r"^[0-9a-fA-F]{128}$")

# Properties derived from each broker's own entry; setting them for a whole group would give
# every broker the same identity.
KAFKA_IDENTITY_PROPERTIES = ("broker.id", "listeners", "advertised.listeners", "log.dirs", "log.dir",
                             "zookeeper.connect")
ZOOKEEPER_DERIVED_PROPERTIES = ("dataDir", "dataLogDir", "clientPort")


def to_properties(properties: Mapping[str, Any]) -> str:
    """Render a dict as a Java properties file body: sorted keys, booleans in lower case,
    lists joined with commas, null values left out (so an override can remove a default)."""
    lines = []
    for key in sorted(properties):
        value = properties[key]
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


def apache_sha512(text: str) -> str:
    """The hex digest from a .sha512 file in either format Apache publishes:
    'HEX  name' (sha512sum) or 'name: HEX IN GROUPS' over several lines (gpg --print-md)."""
    text = str(text).strip()
    first = text.split()[0] if text else ""
    if SHA512_HEX.match(first):
        return first.lower()
    if ":" in text:
        digest = re.sub(r"\s+", "", text.split(":", 1)[1])
        if SHA512_HEX.match(digest):
            return digest.lower()
    raise ValueError(f"no SHA-512 digest found in {text[:60]!r}")


def heap_megabytes(heap: str) -> int:
    """'512m' -> 512, '1g' -> 1024; ValueError for anything else."""
    match = HEAP.match(str(heap))
    if not match:
        raise ValueError(heap)
    amount, unit = int(match.group(1)), match.group(2).lower()
    return {"k": amount // 1024, "m": amount, "g": amount * 1024}[unit]


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _vars(hostvars: Mapping[str, Any], host: str) -> Mapping[str, Any]:
    return hostvars.get(host, {})


# --- ZooKeeper -----------------------------------------------------------------------------


def zookeeper_nodes(hosts: list[str], hostvars: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[dict]:
    """One dict per ensemble member: host, id, address and ports (host_vars override defaults)."""
    nodes = []
    for host in hosts:
        hv = _vars(hostvars, host)
        nodes.append({
            "host": host,
            "id": hv.get("zookeeper_id"),
            "address": hv.get("zookeeper_address") or host,
            "client_port": hv.get("zookeeper_client_port", defaults.get("client_port", 2181)),
            "quorum_port": hv.get("zookeeper_quorum_port", defaults.get("quorum_port", 2888)),
            "election_port": hv.get("zookeeper_election_port", defaults.get("election_port", 3888)),
        })
    return nodes


def zookeeper_inventory_errors(nodes: list[dict], group: str = "zookeeper", allow_even: bool = False) -> list[str]:
    """Problems of the ensemble as the inventory describes it."""
    errors = []
    if not nodes:
        return [f"group '{group}' on all hosts: it is empty or missing. Fix: list the ZooKeeper hosts "
                f"under '{group}' in the inventory (1, 3 or 5 hosts)."]
    seen: dict[int, str] = {}
    for node in nodes:
        host, raw = node["host"], node["id"]
        node_id = _as_int(raw)
        if raw is None:
            errors.append(f"zookeeper_id on {host}: not set. Fix: give every host of group '{group}' its "
                          f"own zookeeper_id (1-255) in host_vars/{host}.yml and never change it afterwards.")
        elif node_id is None or not 1 <= node_id <= 255:
            errors.append(f"zookeeper_id on {host}: {raw!r} is not a whole number from 1 to 255. Fix: set "
                          f"zookeeper_id to an unused number from 1 to 255 in host_vars/{host}.yml.")
        elif node_id in seen:
            errors.append(f"zookeeper_id on {host}: {node_id} is already the id of {seen[node_id]}. Fix: give "
                          f"{host} an id no other ZooKeeper host uses.")
        else:
            seen[node_id] = host
        for key in ("client_port", "quorum_port", "election_port"):
            port = _as_int(node[key])
            if port is None or not 1 <= port <= 65535:
                errors.append(f"zookeeper_{key} on {host}: {node[key]!r} is not a TCP port. Fix: use 1-65535.")
        ports = [str(node["client_port"]), str(node["quorum_port"]), str(node["election_port"])]
        if len(set(ports)) < len(ports):
            errors.append(f"zookeeper ports on {host}: client, quorum and election ports must differ (got "
                          f"{', '.join(ports)}). Fix: set zookeeper_client_port, zookeeper_quorum_port and "
                          f"zookeeper_election_port to three different ports.")
    if len(nodes) % 2 == 0 and not allow_even:
        errors.append(f"group '{group}' on {', '.join(n['host'] for n in nodes)}: {len(nodes)} hosts. An even "
                      f"ensemble survives no more failures than one host fewer and needs more votes. Fix: use "
                      f"an odd number of hosts (3 or 5), or set zookeeper_allow_even_ensemble: true while "
                      f"growing it one host at a time.")
    return errors


def zookeeper_host_errors(node: dict, myid_on_disk: str | None, myid_path: str) -> list[str]:
    """Problems between the inventory and what this host already holds."""
    if myid_on_disk is None or not myid_on_disk.strip():
        return []
    on_disk = myid_on_disk.strip()
    if on_disk != str(node["id"]):
        return [f"zookeeper_id on {node['host']}: the inventory says {node['id']} but {myid_path} holds "
                f"{on_disk}. Changing the id of a node that has data breaks the ensemble. Fix: set "
                f"zookeeper_id: {on_disk} in host_vars/{node['host']}.yml, or retire the node on purpose "
                f"(stop zookeeper and move its data directory away) before giving it a new id."]
    return []


def zookeeper_membership_errors(configs: Mapping[str, str | None], nodes: list[dict],
                                group: str = "zookeeper") -> list[str]:
    """Refuse to change the ensemble's membership by more than one server in a run.

    configs maps a host to its zoo.cfg on disk (None where there is none yet). One server added
    or removed at a time cannot split the ensemble: the old and the new majorities always
    overlap. Two or more at once can form two quorums that each elect a leader."""
    wanted = {str(node["id"]) for node in nodes}
    errors = []
    for host, content in sorted(configs.items()):
        if not content:
            continue
        running = {key.split(".", 1)[1] for key in parse_properties(content) if key.startswith("server.")}
        if running and len(running ^ wanted) > 1:
            errors.append(
                f"group '{group}' on {host}: its zoo.cfg has servers {sorted(running, key=int)} and the inventory "
                f"{sorted(wanted, key=int)}. Changing more than one member in a run can split the ensemble. Fix: "
                f"add or remove one host at a time and run between steps (an even size in between needs "
                f"zookeeper_allow_even_ensemble: true); stop a removed node before taking it out.")
    return errors


def zookeeper_connect(nodes: list[dict], chroot: str = "") -> str:
    """host:port,host:port[/chroot] for clients of the ensemble."""
    servers = ",".join(f"{n['address']}:{n['client_port']}" for n in nodes)
    return servers + (chroot if chroot and chroot != "/" else "")


def zookeeper_server_properties(nodes: list[dict]) -> dict[str, str]:
    """The server.N lines of zoo.cfg."""
    return {f"server.{n['id']}": f"{n['address']}:{n['quorum_port']}:{n['election_port']}" for n in nodes}


# --- Kafka ---------------------------------------------------------------------------------


def kafka_brokers(hosts: list[str], hostvars: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[dict]:
    """Every broker instance of the cluster, normalised. A host runs one instance named 'server'
    with kafka_broker_id, unless it lists several in kafka_brokers."""
    brokers = []
    for host in hosts:
        hv = _vars(hostvars, host)
        entries = hv.get("kafka_brokers") or [{"id": hv.get("kafka_broker_id"), "name": "server"}]
        base_port = hv.get("kafka_port", defaults.get("port", 9092))
        data_root = hv.get("kafka_data_root", defaults.get("data_root", "/var/lib/kafka"))
        advertised_host = hv.get("kafka_advertised_host") or host
        heap = hv.get("kafka_heap", defaults.get("heap", "256m"))
        for index, raw_entry in enumerate(entries):
            entry = dict(raw_entry) if isinstance(raw_entry, Mapping) else {"id": raw_entry}
            name = entry.get("name") or ("server" if len(entries) == 1 else None)
            port = entry.get("port", _as_int(base_port) + index if _as_int(base_port) is not None else base_port)
            brokers.append({
                "host": host,
                "index": index,
                "name": name,
                "id": entry.get("id"),
                "port": port,
                "listeners": entry.get("listeners") or f"PLAINTEXT://:{port}",
                "advertised_listeners": entry.get("advertised_listeners") or f"PLAINTEXT://{advertised_host}:{port}",
                "log_dirs": list(entry.get("log_dirs") or [f"{data_root}/{name or index}"]),
                "heap": entry.get("heap", heap),
                "jmx_port": entry.get("jmx_port"),
                "rack": entry.get("rack", hv.get("kafka_rack")),
                "properties": dict(entry.get("properties") or {}),
            })
    return brokers


def _listener_ports(listeners: str) -> list[int]:
    ports = []
    for listener in str(listeners).split(","):
        match = LISTENER_PORT.search(listener)
        if match:
            ports.append(int(match.group(1)))
    return ports


def kafka_inventory_errors(brokers: list[dict], group: str = "kafka") -> list[str]:
    """Problems of the broker instances as the inventory describes them (ids, names, ports, dirs)."""
    if not brokers:
        return [f"group '{group}' on all hosts: it is empty or missing. Fix: list the broker hosts under "
                f"'{group}' in the inventory."]
    errors = []
    ids: dict[int, str] = {}
    per_host: dict[str, dict[str, dict]] = {}
    for broker in brokers:
        host, label = broker["host"], broker["name"] or f"kafka_brokers[{broker['index']}]"
        where = f"{host} ({label})"
        raw = broker["id"]
        broker_id = _as_int(raw)
        if raw is None:
            errors.append(f"kafka_broker_id on {host}: not set. Fix: set kafka_broker_id to a number no other "
                          f"broker uses in host_vars/{host}.yml (or an id for each entry of kafka_brokers); "
                          f"never change it once the broker has data.")
        elif broker_id is None or broker_id < 0:
            errors.append(f"kafka_broker_id on {where}: {raw!r} is not a whole number >= 0. Fix: use an unused "
                          f"number such as 1, 2, 3.")
        elif broker_id in ids:
            errors.append(f"kafka_broker_id on {where}: {broker_id} is already the id of {ids[broker_id]}. Fix: "
                          f"give every broker its own id.")
        else:
            ids[broker_id] = where
        seen = per_host.setdefault(host, {"names": {}, "ports": {}, "dirs": {}})
        name = broker["name"]
        if name is None:
            errors.append(f"kafka_brokers[{broker['index']}].name on {host}: missing; a host with several "
                          f"brokers needs a name for each (it names the properties file, the log directory "
                          f"and the kafka@<name> unit). Fix: add name: server-one (for example).")
        elif not INSTANCE_NAME.match(str(name)):
            errors.append(f"kafka_brokers[{broker['index']}].name on {host}: {name!r} may hold only letters, "
                          f"digits, '.', '_' and '-'. Fix: rename it.")
        elif name in seen["names"]:
            errors.append(f"kafka_brokers[{broker['index']}].name on {host}: {name!r} is used twice. Fix: give "
                          f"every broker of the host its own name.")
        else:
            seen["names"][name] = broker
        ports = _listener_ports(broker["listeners"])
        if broker["jmx_port"] is not None:
            ports.append(_as_int(broker["jmx_port"]) or -1)
        if _as_int(broker["port"]) is None or not 1 <= _as_int(broker["port"]) <= 65535:
            errors.append(f"kafka_brokers port on {where}: {broker['port']!r} is not a TCP port. Fix: use 1-65535.")
        for port in ports:
            if port in seen["ports"]:
                errors.append(f"kafka port on {where}: {port} is also used by {seen['ports'][port]} on the same "
                              f"host. Fix: give each broker of {host} its own port (9092, 9093, 9094 ...).")
            else:
                seen["ports"][port] = label
        for log_dir in broker["log_dirs"]:
            normalized = str(log_dir).rstrip("/")
            for other, owner in seen["dirs"].items():
                if normalized == other or normalized.startswith(other + "/") or other.startswith(normalized + "/"):
                    errors.append(f"kafka log dir on {where}: {log_dir} overlaps {other} of {owner}. Fix: give "
                                  f"each broker its own log directory (log_dirs), not nested in another's.")
            seen["dirs"][normalized] = label
    return errors


def unknown_properties(properties: Mapping[str, Any], known: str | list[str],
                       prefixes: tuple[str, ...] = ("listener.name.",)) -> list[str]:
    """Property names not in the known list (one per line, # comments), with the closest known
    name where one looks like a typo."""
    names = known.splitlines() if isinstance(known, str) else list(known)
    names = [name.strip() for name in names if name.strip() and not name.startswith("#")]
    found = []
    for key in sorted(properties):
        if key in names or key.startswith(prefixes):
            continue
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.8)
        found.append(f"{key} (did you mean {close[0]}?)" if close else key)
    return found


def reserved_property_errors(overrides: Mapping[str, Mapping[str, Any]], reserved: list[str] | tuple[str, ...],
                             host: str, fix: str) -> list[str]:
    """Properties the role derives itself must not come from a free-form properties dict."""
    errors = []
    for variable, values in overrides.items():
        for key in reserved:
            if key in (values or {}):
                errors.append(f"{variable} on {host}: sets {key}, which the role derives itself. Fix: remove it; "
                              f"{fix}")
    return errors


def kafka_properties_errors(properties: Mapping[str, Any], overrides: Mapping[str, Mapping[str, Any]],
                            broker_count: int, host: str) -> list[str]:
    """Problems of the effective broker properties: identity set for a whole group, replication
    factors above the broker count, min.insync.replicas that makes acks=all writes impossible."""
    errors = reserved_property_errors(
        overrides, KAFKA_IDENTITY_PROPERTIES, host,
        "use kafka_broker_id, kafka_port, kafka_advertised_host or the fields of kafka_brokers "
        "(id, port, listeners, advertised_listeners, log_dirs).")

    def number(key: str) -> int | None:
        return _as_int(properties.get(key))

    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor"):
        value = number(key)
        if value is not None and value > broker_count:
            errors.append(f"{key} on {host}: {value} exceeds the {broker_count} brokers of the inventory. Fix: set "
                          f"it to {broker_count} or less in kafka_properties, or add brokers.")
    rf, min_isr = number("default.replication.factor"), number("min.insync.replicas")
    if rf is not None and min_isr is not None and (min_isr > rf or (min_isr == rf and rf > 1)):
        errors.append(f"min.insync.replicas on {host}: {min_isr} with default.replication.factor {rf} leaves no "
                      f"replica to lose: acks=all writes stop as soon as one broker is down. Fix: set "
                      f"min.insync.replicas to {max(rf - 1, 1)} (replication factor minus one).")
    tx_rf, tx_isr = number("transaction.state.log.replication.factor"), number("transaction.state.log.min.isr")
    if tx_rf is not None and tx_isr is not None and tx_isr > tx_rf:
        errors.append(f"transaction.state.log.min.isr on {host}: {tx_isr} exceeds "
                      f"transaction.state.log.replication.factor {tx_rf}. Fix: lower it to {max(tx_rf - 1, 1)}.")
    return errors


def kafka_host_errors(brokers: list[dict], meta_files: Mapping[str, str | None]) -> list[str]:
    """Problems between the inventory and the log directories this host already holds: a
    meta.properties written by another broker id."""
    errors = []
    for broker in brokers:
        for log_dir in broker["log_dirs"]:
            path = f"{str(log_dir).rstrip('/')}/meta.properties"
            content = meta_files.get(path)
            if not content:
                continue
            on_disk = parse_properties(content).get("broker.id")
            if on_disk is not None and on_disk != str(broker["id"]):
                errors.append(f"kafka_broker_id on {broker['host']} ({broker['name']}): the inventory says "
                              f"{broker['id']} but {path} holds broker.id={on_disk}. Starting it would serve "
                              f"another broker's data under a new id. Fix: set the id back to {on_disk}, or "
                              f"retire that data on purpose (move {log_dir} away) before re-running.")
    return errors


def kafka_cluster_id_errors(files_by_host: Mapping[str, Mapping[str, str | None]]) -> list[str]:
    """Log directories holding data of different clusters (cluster.id in meta.properties)."""
    owners: dict[str, list[str]] = {}
    for host, files in files_by_host.items():
        for path, content in (files or {}).items():
            cluster = parse_properties(content).get("cluster.id") if content else None
            if cluster:
                owners.setdefault(cluster, []).append(f"{host}:{path}")
    if len(owners) <= 1:
        return []
    listing = "; ".join(f"cluster {cluster} in {', '.join(paths)}" for cluster, paths in sorted(owners.items()))
    return [f"kafka log dirs on {', '.join(sorted(files_by_host))}: they hold data of {len(owners)} different "
            f"clusters ({listing}). A broker cannot join a cluster with another cluster's data. Fix: point the odd "
            f"brokers' log_dirs at empty directories, or move their old data away on purpose."]


def parse_properties(content: str) -> dict[str, str]:
    """A small reader for key=value files (comments and blank lines skipped)."""
    result = {}
    for line in str(content).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        result[key.strip()] = value.strip()
    return result


def version_errors(version: Any, variable: str, host: str, major: int | None = None) -> list[str]:
    """A release number such as 3.9.2, optionally of a given major line."""
    text = str(version)
    if not VERSION.match(text):
        return [f"{variable} on {host}: {text!r} is not a release number like 3.9.2. Fix: set {variable} to "
                f"an exact release."]
    if major is not None and int(text.split(".")[0]) != major:
        return [f"{variable} on {host}: {text} is not a {major}.x release. ZooKeeper mode ends with Kafka 3.9; "
                f"Kafka 4 runs only in KRaft mode. Fix: use 3.9.2 (the last 3.9 release)."]
    return []


def kafka_topic_errors(topics: list[Any], broker_count: int, variable: str = "kafka_topics_list") -> list[str]:
    """Problems of declared topics: names, counts, replication above the broker count."""
    errors, seen = [], set()
    for index, topic in enumerate(topics or []):
        where = f"{variable}[{index}]"
        if not isinstance(topic, Mapping) or not str(topic.get("name", "")).strip():
            errors.append(f"{where} on all hosts: a topic needs a name. Fix: add name: <topic>.")
            continue
        name = str(topic["name"])
        where = f"{variable} ({name})"
        if name in seen:
            errors.append(f"{where} on all hosts: declared twice. Fix: keep one entry per topic.")
        seen.add(name)
        if not re.match(r"^[A-Za-z0-9._-]{1,249}$", name):
            errors.append(f"{where} on all hosts: Kafka topic names use only letters, digits, '.', '_' and '-'. "
                          f"Fix: rename it.")
        partitions = _as_int(topic.get("partitions", 1))
        replication = _as_int(topic.get("replication_factor", 3))
        if partitions is None or partitions < 1:
            errors.append(f"{where} on all hosts: partitions {topic.get('partitions')!r} must be 1 or more.")
        if replication is None or replication < 1:
            errors.append(f"{where} on all hosts: replication_factor {topic.get('replication_factor')!r} must be "
                          f"1 or more.")
        elif replication > broker_count and topic.get("state", "present") == "present":
            errors.append(f"{where} on all hosts: replication_factor {replication} exceeds the {broker_count} "
                          f"brokers of the inventory. Fix: lower it to {broker_count} or add brokers.")
        if topic.get("state", "present") not in ("present", "absent"):
            errors.append(f"{where} on all hosts: state must be present or absent.")
    return errors


def paths_to_fix(wanted: list[dict], probed: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """The directories of wanted (path, owner, group, mode) that are missing or differ on the host."""
    fix = []
    for item in wanted:
        found = probed.get(item["path"]) or {}
        if not (found.get("exists") and found.get("isdir") and found.get("owner") == item["owner"]
                and found.get("group") == item["group"] and found.get("mode") == item["mode"]):
            fix.append(item)
    return fix


def heap_errors(heap: Any, variable: str, host: str, mem_total_mb: int | None = None) -> list[str]:
    """A JVM heap size such as 256m or 1g that fits in the host's memory."""
    try:
        size = heap_megabytes(heap)
    except ValueError:
        return [f"{variable} on {host}: {heap!r} is not a heap size like 256m or 1g. Fix: write a number "
                f"followed by m or g."]
    if mem_total_mb and size >= mem_total_mb:
        return [f"{variable} on {host}: {heap} does not fit in the host's {mem_total_mb} MiB of memory. Fix: "
                f"lower it (the page cache needs memory too; half the memory at most is usual)."]
    return []


class FilterModule:
    """Ansible entry point."""

    def filters(self) -> dict:
        return {
            "to_properties": to_properties,
            "apache_sha512": apache_sha512,
            "heap_megabytes": heap_megabytes,
            "parse_properties": parse_properties,
            "zookeeper_nodes": zookeeper_nodes,
            "zookeeper_inventory_errors": zookeeper_inventory_errors,
            "zookeeper_host_errors": zookeeper_host_errors,
            "zookeeper_connect": zookeeper_connect,
            "zookeeper_membership_errors": zookeeper_membership_errors,
            "zookeeper_server_properties": zookeeper_server_properties,
            "kafka_brokers": kafka_brokers,
            "kafka_inventory_errors": kafka_inventory_errors,
            "kafka_properties_errors": kafka_properties_errors,
            "kafka_host_errors": kafka_host_errors,
            "kafka_cluster_id_errors": kafka_cluster_id_errors,
            "version_errors": version_errors,
            "heap_errors": heap_errors,
            "paths_to_fix": paths_to_fix,
            "kafka_topic_errors": kafka_topic_errors,
            "reserved_property_errors": reserved_property_errors,
            "unknown_properties": unknown_properties,
        }
