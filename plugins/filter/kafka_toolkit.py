"""Filters that turn the inventory into ZooKeeper nodes and Kafka broker instances, and
check them before any host is touched.

Every check returns messages of one shape: "<variable> on <host>: <what is wrong>. Fix: <how>",
so a refused run says which variable, which host and what to do.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import posixpath
import re
from collections.abc import Mapping
from typing import Any

VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
HEAP = re.compile(r"([0-9]+)([kKmMgG])")
SHA512_HEX = re.compile(r"[0-9a-fA-F]{128}")



def apache_sha512(text: str) -> str:
    """The hex digest from a .sha512 file in either format Apache publishes:
    'HEX  name' (sha512sum) or 'name: HEX IN GROUPS' over several lines (gpg --print-md)."""
    text = str(text).strip()
    first = text.split()[0] if text else ""
    if SHA512_HEX.fullmatch(first):
        return first.lower()
    if ":" in text:
        digest = re.sub(r"\s+", "", text.split(":", 1)[1])
        if SHA512_HEX.fullmatch(digest):
            return digest.lower()
    raise ValueError(f"no SHA-512 digest found in {text[:60]!r}")


def heap_megabytes(heap: str) -> int:
    """'512m' -> 512, '1g' -> 1024; ValueError for anything else."""
    match = HEAP.fullmatch(str(heap))
    if not match:
        raise ValueError(heap)
    amount, unit = int(match.group(1)), match.group(2).lower()
    return {"k": amount // 1024, "m": amount, "g": amount * 1024}[unit]


def _as_int(value: Any) -> int | None:
    """A whole number from an int or its exact decimal text ("1\n" or "1.0" are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
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
    addresses: dict[tuple[str, str], str] = {}
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
        for key in ("address",):
            if not isinstance(node[key], str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.:-]*", node[key]):
                errors.append(f"zookeeper_address on {host}: {node[key]!r} is not a host name or address. Fix: use "
                              f"a DNS name or an IP address (or leave it unset for the inventory name).")
        address = (str(node["address"]), str(node["quorum_port"]))
        if address in addresses:
            errors.append(f"zookeeper_address on {host}: {address[0]}:{address[1]} is also the quorum address of "
                          f"{addresses[address]}. Fix: give every member its own address.")
        addresses.setdefault(address, host)
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


def zookeeper_host_errors(node: dict, myid_on_disk: str | None, myid_path: str, has_data: bool = False,
                          restore_myid: bool = False) -> list[str]:
    """Problems between the inventory and what this host already holds: a myid of another id,
    or no myid beside existing data (a lost file, or another node's data directory)."""
    if myid_on_disk is None or not myid_on_disk.strip():
        if has_data and not restore_myid:
            return [f"zookeeper_id on {node['host']}: {myid_path} is missing but its directory holds ZooKeeper data "
                    f"(version-2). Writing a new myid could give this data another node's identity. Fix: restore "
                    f"the file if the data is this node's, or re-run with -e zookeeper_restore_myid=true to write "
                    f"{node['id']}; move the data away instead if it belongs to another node."]
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


def kafka_host_errors(brokers: list[dict], meta_files: Mapping[str, str | None],
                      known_ids: list[int] | None = None, configured: Mapping[str, bool] | None = None,
                      replaced: list[int] | None = None) -> list[str]:
    """Problems between the inventory and the log directories this host holds.

    - a meta.properties written by another broker id (the data of another broker);
    - a broker the cluster already knows (registered, holding replicas, or configured on this
      host by an earlier run) whose log directory is empty or missing: an unmounted or replaced
      disk. Started as it is, the broker would come back with its old id and no data. Allowed
      only when the operator says the disk was replaced (kafka_replaced_disks), so it rejoins
      as the same broker and copies its replicas back."""
    errors = []
    known = {int(item) for item in known_ids or []}
    replaced_ids = {int(item) for item in replaced or []}
    for broker in brokers:
        for log_dir in broker["log_dirs"]:
            path = f"{str(log_dir).rstrip('/')}/meta.properties"
            content = meta_files.get(path)
            where = f"{broker['host']} ({broker['name']})"
            if not content:
                was_configured = bool((configured or {}).get(broker["name"]))
                if (broker["id"] in known or was_configured) and broker["id"] not in replaced_ids:
                    if broker.get("role") == "controller":
                        errors.append(
                            f"kafka_controllers metadata dir on {broker['host']}: {log_dir} holds no "
                            f"meta.properties, but controller {broker['id']} has run on this host before: its disk is "
                            f"empty, replaced or not mounted. Formatted again it would be a new voter under the "
                            f"old id, with none of the quorum's log. Fix: mount the controller's disk and re-run; if "
                            f"the disk is lost, take {broker['host']} out of 'kafka_controllers' for one run (the "
                            f"voter is removed), then put it back and run with "
                            f"-e '{{\"kafka_replaced_disks\": [{broker['id']}]}}' (it is formatted again and joins "
                            f"as a new voter).")
                        continue
                    reason = "the cluster knows broker " + str(broker["id"]) if broker["id"] in known else \
                        "it has run on this host before"
                    errors.append(
                        f"kafka_brokers log dir on {where}: {log_dir} holds no meta.properties, but {reason}: its "
                        f"disk is empty, replaced or not mounted. Started like this the broker would rejoin with "
                        f"its id and no data. Fix: mount the broker's disk and re-run; if the disk was replaced on "
                        f"purpose, re-run with -e '{{\"kafka_replaced_disks\": [{broker['id']}]}}' so it rejoins "
                        f"as broker {broker['id']} and copies its replicas back.")
                continue
            meta = parse_properties(content)
            # ZooKeeper mode writes broker.id; KRaft writes node.id (and a migrated broker keeps broker.id).
            key = "node.id" if "node.id" in meta else "broker.id"
            on_disk = meta.get(key)
            variable = "kafka_controller_id" if broker.get("role") == "controller" else "kafka_broker_id"
            if on_disk is not None and on_disk != str(broker["id"]):
                errors.append(f"{variable} on {where}: the inventory says "
                              f"{broker['id']} but {path} holds {key}={on_disk}. Starting it would serve "
                              f"another broker's data under a new id. Fix: set the id back to {on_disk}, or "
                              f"retire that data on purpose (move {log_dir} away) before re-running.")
    return errors


def kafka_cluster_ids(files_by_host: Mapping[str, Mapping[str, str | None]]) -> dict[str, list[str]]:
    """Each cluster id found in meta.properties files, with the host:path files holding it."""
    owners: dict[str, list[str]] = {}
    for host, files in files_by_host.items():
        for path, content in (files or {}).items():
            cluster = parse_properties(content).get("cluster.id") if content else None
            if cluster:
                owners.setdefault(cluster, []).append(f"{host}:{path}")
    return owners


def kafka_cluster_id_errors(files_by_host: Mapping[str, Mapping[str, str | None]],
                            running: str | None = None) -> list[str]:
    """Log directories holding data of different clusters (cluster.id in meta.properties), or of
    another cluster than the running one."""
    owners = kafka_cluster_ids(files_by_host)
    strangers = {cluster: paths for cluster, paths in owners.items() if running and cluster != running}
    if strangers:
        listing = "; ".join(f"cluster {cluster} in {', '.join(paths)}" for cluster, paths in sorted(strangers.items()))
        return [f"kafka log dirs on {', '.join(sorted(files_by_host))}: the running cluster is {running}, but they "
                f"hold data of another ({listing}). A node cannot join a cluster with another cluster's data. Fix: "
                f"point the odd nodes' log_dirs at empty directories, or move their old data away on purpose."]
    if len(owners) <= 1:
        return []
    listing = "; ".join(f"cluster {cluster} in {', '.join(paths)}" for cluster, paths in sorted(owners.items()))
    return [f"kafka log dirs on {', '.join(sorted(files_by_host))}: they hold data of {len(owners)} different "
            f"clusters ({listing}). A broker cannot join a cluster with another cluster's data. Fix: point the odd "
            f"brokers' log_dirs at empty directories, or move their old data away on purpose."]


def kafka_uuid(seed: str) -> str:
    """A Kafka Uuid (cluster or directory id: 16 bytes, URL-safe base64 without padding) made
    from random text; canonical, so Kafka prints it back exactly as written."""
    digest = bytearray(hashlib.sha256(str(seed).encode()).digest()[:16])
    text = base64.urlsafe_b64encode(bytes(digest)).decode().rstrip("=")
    # Kafka's own generator never starts an id with '-' (it would read as a command-line option).
    return ("A" + text[1:]) if text.startswith("-") else text


def kraft_format_plan(nodes: list[dict], files_by_host: Mapping[str, Mapping[str, str | None]],
                      quorum_formed: bool, directory_ids: Mapping[Any, str], quorum: str = "dynamic") -> dict[str, Any]:
    """How each KRaft node of the play is formatted, if at all.

    A node whose every log directory holds meta.properties is left alone. When no controller is
    formatted and no quorum answers, the quorum is new: every controller (its own process, or a
    broker that is a controller too) is formatted with the full voter set (--initial-controllers)
    and its own directory id (directory_ids, by node id). Otherwise a new controller joins an
    existing quorum (--no-initial-controllers, then added as a voter) and a broker only needs the
    cluster id. A static quorum's voters are in every node's controller.quorum.voters, which
    kafka-storage.sh refuses to combine with either flag."""
    def formatted(node: dict) -> bool:
        files = files_by_host.get(node["host"]) or {}
        return all(files.get(f"{str(log_dir).rstrip('/')}/meta.properties") for log_dir in node["log_dirs"])

    def controls(node: dict) -> bool:
        return "controller" in (node.get("roles") or [node.get("role")])

    controllers = [node for node in nodes if controls(node)]
    new_quorum = not quorum_formed and not any(formatted(node) for node in controllers)
    voters = ",".join(f"{node['id']}@{node.get('quorum_bootstrap') or node['bootstrap']}:{directory_ids[node['id']]}"
                      for node in controllers)
    plan: dict[str, Any] = {"new_quorum": new_quorum, "nodes": []}
    for node in nodes:
        if formatted(node):
            continue
        if not controls(node) or quorum == "static":
            flags: list[str] = []
        elif new_quorum:
            flags = ["--initial-controllers", voters]
        else:
            flags = ["--no-initial-controllers"]
        plan["nodes"].append({"host": node["host"], "name": node["name"], "id": node["id"],
                              "role": ",".join(node.get("roles") or [node.get("role")]),
                              "flags": flags, "joins_quorum": controls(node) and not new_quorum})
    return plan


def kraft_voter_changes(controllers: list[dict], quorum: Mapping[str, Any] | None,
                        group: str = "kafka_controllers", quorum_mode: str = "dynamic") -> dict[str, Any]:
    """How the inventory's controllers differ from the voters of a running quorum, and what of
    that this run may do: add one controller, or remove one voter (dynamic quorum only).

    quorum is what kafka_quorum_state read before any change (report_only); when no quorum
    answers (a first deploy) there is nothing to compare. Removals carry the voter's directory
    id, which kafka-metadata-quorum.sh remove-controller needs."""
    nothing: dict[str, Any] = {"add": [], "remove": [], "errors": []}
    if not quorum or not quorum.get("reachable"):
        return nothing
    voters = {voter["id"]: voter for voter in quorum.get("voters", [])}
    wanted = {controller["id"]: controller for controller in controllers}
    add = sorted(set(wanted) - set(voters))
    remove = sorted(set(voters) - set(wanted))
    errors = []
    if (add or remove) and quorum_mode != "dynamic":
        errors.append(f"{group}: controllers {add or remove} differ from the voters of a static quorum, which "
                      f"controller.quorum.voters fixes. Fix: make the quorum dynamic first (kafka-features.sh upgrade "
                      f"--feature kraft.version=1, then kafka_quorum: dynamic), or restore the group.")
    elif add and remove:
        errors.append(f"{group}: adding {add} and removing {remove} in one run could leave two majorities. "
                      f"Fix: change one voter per run.")
    elif len(add) > 1:
        errors.append(f"{group}: controllers {add} are not voters of the quorum; voters are added one at a time. "
                      f"Fix: add only {add[0]} ({wanted[add[0]]['host']}) to '{group}' now, the others on later runs.")
    elif len(remove) > 1:
        errors.append(f"{group}: voters {remove} of the running quorum are not in the inventory; voters are removed "
                      f"one at a time. Fix: take only {remove[0]} out of '{group}' now, the others on later runs.")
    elif remove and not wanted:
        errors.append(f"{group} is empty: the quorum's last voters cannot be removed. Fix: restore the group.")
    if errors:
        return {**nothing, "errors": errors}
    return {"add": add, "errors": [],
            "remove": [{"id": node, "directory_id": voters[node].get("directory_id")} for node in remove]}


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


MIGRATION_STEPS = ("controllers", "brokers", "kraft", "finalize")


def in_migration_mode(props: Mapping[str, str]) -> bool:
    """Whether a node's properties put it in ZooKeeper-to-KRaft migration mode."""
    return props.get("zookeeper.metadata.migration.enable", "false").strip().lower() == "true"


def kraft_migration_step(files_by_host: Mapping[str, Mapping[str, str | None]],
                         controller_file: str = "controller.properties") -> dict[str, Any]:
    """Where a ZooKeeper-to-KRaft migration stands, from the properties each node was last given
    ({host: {path: content, None when missing}}; a controller's file is named controller_file),
    so that a re-run continues with the step the cluster is in.

    Steps go one way: controllers in migration mode, brokers in migration mode, brokers in KRaft
    mode, controllers out of migration mode (finalize). The furthest node decides: a later step
    is never undone by continuing an earlier one."""
    brokers: dict[str, dict[str, str]] = {}
    controllers: dict[str, dict[str, str]] = {}
    for host, files in files_by_host.items():
        for path, content in (files or {}).items():
            if content is not None:
                kind = controllers if posixpath.basename(path) == controller_file else brokers
                kind[f"{host}:{path}"] = parse_properties(content)

    steps = [
        ("finalize", "controllers out of migration mode", [node for node, props in controllers.items()
                                                           if not in_migration_mode(props)]),
        ("kraft", "brokers in KRaft mode", [node for node, props in brokers.items()
                                            if "broker" in props.get("process.roles", "")]),
        ("brokers", "brokers in migration mode", [node for node, props in brokers.items() if in_migration_mode(props)]),
    ]
    for step, what, nodes in steps:
        if nodes:
            return {"step": step, "index": MIGRATION_STEPS.index(step), "why": f"{what}: {', '.join(sorted(nodes))}"}
    started = f"controllers in migration mode: {', '.join(sorted(controllers))}" if controllers else "no controller yet"
    return {"step": "controllers", "index": 0, "why": f"every broker in ZooKeeper mode, {started}"}


def kafka_mode_errors(files: Mapping[str, str | None], mode: str, migrating: bool, host: str,
                      controller_file: str = "controller.properties") -> list[str]:
    """What cluster.yml must not do to the properties a host's nodes were last given ({path:
    content, None when missing}): write ZooKeeper mode over brokers that migrated to KRaft (they
    would start from ZooKeeper's stale metadata), or skip the migration's steps by writing KRaft
    mode over a ZooKeeper-mode or migrating node. The migration playbooks (migrating) move nodes
    between modes on purpose and are not judged here."""
    if migrating:
        return []
    errors = []
    for path, content in sorted(files.items()):
        if content is None:
            continue
        props = parse_properties(content)
        migrating = in_migration_mode(props)
        controller = posixpath.basename(path) == controller_file
        if mode == "zookeeper" and not controller and "process.roles" in props:
            errors.append(f"kafka_mode on {host}: zookeeper, but {path} runs in KRaft mode (process.roles="
                          f"{props['process.roles']}): ZooKeeper mode would start it from ZooKeeper's stale "
                          f"metadata. Fix: use the KRaft inventory playbooks/migrate-to-kraft.yml wrote "
                          f"(kafka_mode: kraft), or before the migration's last step roll it back with "
                          f"playbooks/rollback-kraft-migration.yml.")
        elif mode == "zookeeper" and not controller and migrating:
            errors.append(f"kafka_mode on {host}: zookeeper, but {path} is being migrated to KRaft "
                          f"(zookeeper.metadata.migration.enable=true). Fix: go on with "
                          f"playbooks/migrate-to-kraft.yml, or go back with playbooks/rollback-kraft-migration.yml.")
        elif mode == "kraft" and (migrating or (not controller and "zookeeper.connect" in props)):
            errors.append(f"kafka_mode on {host}: kraft, but {path} is a ZooKeeper-mode "
                          f"{'controller being migrated' if controller else 'broker'}: writing KRaft mode over "
                          f"it would skip the migration's steps. Fix: move the cluster with "
                          f"playbooks/migrate-to-kraft.yml (kafka_mode: zookeeper until it has finished).")
    return errors


def kafka_role_errors(nodes: list[Mapping[str, Any]], files: Mapping[str, str | None], conf_dir: str, host: str,
                      group: str = "kafka_controllers") -> list[str]:
    """A node keeps the roles it was written with: a broker does not become a combined
    broker-controller in place, nor the reverse. Kafka keeps a controller's metadata log and its
    directory id in its storage, and a voter that vanishes from the quorum's processes leaves the
    quorum a voter short."""
    errors = []
    for node in nodes:
        content = files.get(f"{conf_dir.rstrip('/')}/{node['name']}.properties")
        was = parse_properties(content).get("process.roles") if content else None
        now = node["properties"].get("process.roles")
        if was is None or now is None or set(was.replace(" ", "").split(",")) == set(now.split(",")):
            continue
        errors.append(f"kafka_controller_combined on {host}: {node['name']} (id {node['id']}) runs with process.roles="
                      f"{was}, and this inventory would write {now}; a node keeps the roles its storage was "
                      f"formatted for. Fix: put kafka_controller_combined and the '{group}' group back as they were "
                      f"for {host}; a controller joins as a new node (its own process, or a combined host whose "
                      f"first broker is new).")
    return errors


def listener_protocols(properties: Mapping[str, Any]) -> set[str]:
    """The security protocols a node's listeners speak (a listener's name is its protocol unless
    listener.security.protocol.map says otherwise)."""
    mapping = {}
    for pair in str(properties.get("listener.security.protocol.map") or "").split(","):
        name, _, protocol = pair.strip().partition(":")
        if name and protocol:
            mapping[name.strip().upper()] = protocol.strip().upper()
    names = [item.strip().split("://", 1)[0].upper() for item in str(properties.get("listeners") or "").split(",")
             if "://" in item]
    return {mapping.get(name, name) for name in names}


def kafka_security_errors(nodes: list[Mapping[str, Any]], files: Mapping[str, str | None], conf_dir: str,
                          host: str) -> list[str]:
    """A running node's listeners keep a protocol in common with what is written next: a broker
    restarted onto TLS alone no longer reaches, nor is reached by, the brokers still on plaintext,
    and its replicas fall out of sync for the whole roll. Adding a listener first keeps one."""
    errors = []
    for node in nodes:
        content = files.get(f"{conf_dir.rstrip('/')}/{node['name']}.properties")
        was = listener_protocols(parse_properties(content)) if content else set()
        now = listener_protocols(node["properties"])
        if not was or not now or was & now:
            continue
        errors.append(f"kafka_security on {host}: {node['name']} (id {node['id']}) listens with "
                      f"{', '.join(sorted(was))}, and this inventory would write {', '.join(sorted(now))} only; "
                      f"restarted one at a time, nodes with no protocol in common cannot replicate. Fix: keep "
                      f"kafka_security as the cluster runs it, or add the new listener beside the old one first "
                      f"(listeners and advertised_listeners of kafka_brokers), roll, then remove the old one.")
    return errors


# What reaches a host (hosts files keep these; everything else lives in group_vars and host_vars).
CONNECTION_VARS = ("ansible_host", "ansible_port", "ansible_user", "ansible_connection", "ansible_ssh_private_key_file",
                   "ansible_ssh_common_args", "ansible_python_interpreter", "ansible_become", "ansible_become_method",
                   "ansible_become_user")


def kraft_inventory(groups: Mapping[str, list[str]], hostvars: Mapping[str, Any], retired_group: str,
                    kafka_hosts: list[str]) -> dict[str, Any]:
    """The hosts file of a migrated cluster's inventory: every group but the retired ZooKeeper one,
    each host's connection variables, and KRaft mode on each Kafka host (host variables of a hosts
    file outrank group_vars, so a kafka_mode left there cannot turn it back)."""
    kept = {name: members for name, members in sorted(groups.items())
            if name not in ("all", "ungrouped", retired_group)}
    hosts: dict[str, Any] = {}
    for host in groups.get("all", []):
        if not any(host in members for members in kept.values()):
            continue
        variables = hostvars[host]
        values = {key: variables[key] for key in CONNECTION_VARS if key in variables}
        if host in kafka_hosts:
            values.update({"kafka_mode": "kraft", "kafka_quorum": "static"})
        hosts[host] = values or None
    children = {name: {"hosts": dict.fromkeys(members)} for name, members in kept.items()}
    return {"all": {"hosts": hosts, "children": children}}


def version_errors(version: Any, variable: str, host: str, major: int | None = None) -> list[str]:
    """A release number such as 3.9.2, optionally of a given major line."""
    text = str(version)
    if not VERSION.fullmatch(text):
        return [f"{variable} on {host}: {text!r} is not a release number like 3.9.2. Fix: set {variable} to "
                f"an exact release."]
    if major is not None and int(text.split(".")[0]) != major:
        return [f"{variable} on {host}: {text} is not a {major}.x release. ZooKeeper mode ends with Kafka 3.9; "
                f"Kafka 4 runs only in KRaft mode. Fix: use 3.9.2 (the last 3.9 release)."]
    return []


# A command of the release's bin/ directory: a file name, never a path.
COMMAND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def command_name_errors(names: Any, variable: str, host: str) -> list[str]:
    """A list of command names (kafka-topics.sh): each becomes /usr/local/bin/<name>, so a string
    (iterated letter by letter) or a name with a slash would write files nobody asked for."""
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        return [f"{variable} on {host}: {names!r} is not a list of command names. Fix: write it as a YAML list, "
                f"for example [kafka-topics.sh]."]
    bad = [name for name in names if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name)]
    if bad:
        return [f"{variable} on {host}: {', '.join(repr(name) for name in bad)} is not the file name of a command "
                f"in the release's bin/ directory. Fix: list names such as kafka-topics.sh, without a path."]
    return []


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
            "apache_sha512": apache_sha512,
            "heap_megabytes": heap_megabytes,
            "parse_properties": parse_properties,
            "zookeeper_nodes": zookeeper_nodes,
            "zookeeper_inventory_errors": zookeeper_inventory_errors,
            "zookeeper_host_errors": zookeeper_host_errors,
            "zookeeper_connect": zookeeper_connect,
            "zookeeper_membership_errors": zookeeper_membership_errors,
            "zookeeper_server_properties": zookeeper_server_properties,
            "kafka_host_errors": kafka_host_errors,
            "kafka_cluster_id_errors": kafka_cluster_id_errors,
            "kafka_cluster_ids": kafka_cluster_ids,
            "kafka_uuid": kafka_uuid,
            "kraft_format_plan": kraft_format_plan,
            "kafka_role_errors": kafka_role_errors,
            "kafka_security_errors": kafka_security_errors,
            "kraft_voter_changes": kraft_voter_changes,
            "kraft_migration_step": kraft_migration_step,
            "kafka_mode_errors": kafka_mode_errors,
            "kraft_inventory": kraft_inventory,
            "version_errors": version_errors,
            "command_name_errors": command_name_errors,
            "heap_errors": heap_errors,
            "paths_to_fix": paths_to_fix,
            "unknown_properties": unknown_properties,
        }
