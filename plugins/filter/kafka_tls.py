"""The cluster's TLS material, judged on the controller (roles/kafka_tls): the names a host's
certificate must carry, and whether material found on disk or brought by the user can serve
Kafka's PEM stores.

Those stores read one unencrypted PKCS#8 key and the host's certificate chain; brokers verify
each other's host names and are TLS servers and clients at once. Key text passes through these
filters, never into a message: every message names a file, and has the shape
"<variable> on <host>: <what is wrong>. Fix: <how>".
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import itertools
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

# A label of a host name; underscores are not in RFC 1123 but many internal names carry them,
# and TLS stacks compare SAN entries as text.
DNS_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
LISTENER = re.compile(r"\s*[A-Za-z0-9_]+://(\[[^\]]*\]|[^:/\s]*):[0-9]+\s*")
PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
# Kafka's PEM keystore (ssl.keystore.key) reads PKCS#8 only.
TRADITIONAL_KEYS = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY")
# openssl pkey reads any key format (asking for a passphrase if needed) and writes unencrypted
# PKCS#8, with OpenSSL 1.1 and 3 alike; the umask keeps the new key file its owner's.
CONVERT = "(umask 077; openssl pkey -in {path} -out {path}.pk8)"
VARIABLES = {"ca": "kafka_tls_ca_cert_file", "cert": "kafka_tls_cert_file", "key": "kafka_tls_key_file"}
WHAT = {"ca": "CA certificate", "cert": "host's certificate", "key": "host's private key"}


@functools.cache
def _crypto() -> SimpleNamespace:
    """The cryptography library, imported when a filter first reads PEM text: every playbook run
    loads all filter files (plugins/callback/warm_plugins.py), most never need it."""
    try:
        from cryptography import exceptions, x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.x509 import oid
    except ImportError as error:
        raise ValueError("the kafka_tls filters need the Python library cryptography on the controller "
                         "(community.crypto needs it too): pip install cryptography") from error
    return SimpleNamespace(x509=x509, serialization=serialization, oid=oid,
                           errors=(ValueError, TypeError, exceptions.InvalidSignature,
                                   exceptions.UnsupportedAlgorithm))


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A zone (fe80::1%eth0) means something on one host only; no certificate can hold it.
    return None if getattr(address, "scope_id", None) else address


def tls_name(value: Any) -> str | None:
    """The name as a certificate holds it: an IP address in its compressed form, or a DNS name in
    lower case without its trailing dot (a leftmost '*' label allowed); None if it is neither."""
    if not isinstance(value, str) or not value:
        return None
    address = _ip(value)
    if address is not None:
        return str(address)
    name = value.lower().removesuffix(".")
    labels = name.split(".")
    if labels[0] == "*" and len(labels) > 2:
        labels = labels[1:]
    if not name or len(name) > 253 or not all(DNS_LABEL.fullmatch(label) for label in labels):
        return None
    return name


def _listener_hosts(brokers: Any) -> list[tuple[str, Any]]:
    """(variable, host) of every host name in the advertised listeners of kafka_brokers."""
    found: list[tuple[str, Any]] = []
    if not isinstance(brokers, list):
        return found
    for index, broker in enumerate(brokers):
        if not isinstance(broker, Mapping):
            continue
        text = broker.get("advertised_listeners") or ""
        for item in text if isinstance(text, list) else str(text).split(","):
            match = LISTENER.fullmatch(str(item))
            # Malformed listeners are the kafka role's to refuse; an empty host binds, it is no name.
            if match and match.group(1).strip("[]"):
                found.append((f"kafka_brokers[{index}].advertised_listeners", match.group(1).strip("[]")))
    return found


def _candidates(host: str, advertised_host: Any, extra: Any, brokers: Any) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [("inventory_hostname", host)]
    if advertised_host:
        pairs.append(("kafka_advertised_host", advertised_host))
    pairs += _listener_hosts(brokers)
    if isinstance(extra, list):
        pairs += [("kafka_tls_names", name) for name in extra]
    return pairs


def tls_wanted_names(host: str, advertised_host: Any = "", extra: Any = None, brokers: Any = None) -> list[str]:
    """Every name clients may use for the host, once each, the inventory name first: the names
    its certificate must carry for Kafka's host name verification."""
    names: list[str] = []
    for _, value in _candidates(host, advertised_host, extra, brokers):
        name = tls_name(value)
        if name is not None and name not in names:
            names.append(name)
    return names


def tls_name_errors(host: str, advertised_host: Any = "", extra: Any = None, brokers: Any = None) -> list[str]:
    """The names of tls_wanted_names that no certificate can hold, each refused."""
    errors = []
    if extra is not None and not isinstance(extra, list):
        errors.append(f"kafka_tls_names on {host}: {extra!r} is not a list. Fix: write it as a YAML list, for "
                      f"example [kafka1.example.com, 192.0.2.10].")
    for variable, value in _candidates(host, advertised_host, extra, brokers):
        if tls_name(value) is not None:
            continue
        fix = ("name the host in the inventory by its DNS name or address (ansible_host can keep the address "
               "Ansible connects to)" if variable == "inventory_hostname" else
               "give a DNS name such as kafka1.example.com or an address such as 192.0.2.10")
        errors.append(f"{variable} on {host}: {value!r} is neither a DNS name nor an IP address, so no "
                      f"certificate can carry it. Fix: {fix}.")
    return errors


def tls_subject_alt_names(names: list[str]) -> list[str]:
    """The subjectAltName entries of the names, written as community.crypto reads them back
    (DNS:name, IP:compressed address), so that comparing the two says whether they differ."""
    return [f"IP:{name}" if _ip(name) is not None else f"DNS:{name}" for name in names]


def _certificates(pem: Any) -> list[Any]:
    try:
        return list(_crypto().x509.load_pem_x509_certificates(str(pem).encode()))
    except ValueError:
        return []


def _subject(certificate: Any) -> str:
    return certificate.subject.rfc4514_string() or "an empty subject"


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_ca(certificate: Any) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(_crypto().x509.BasicConstraints).value.ca)
    except _crypto().x509.ExtensionNotFound:
        return False


def _spki(key: Any) -> bytes:
    serialization = _crypto().serialization
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _issued_by(certificate: Any, issuer: Any) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except _crypto().errors:
        return False
    return True


def _san(certificate: Any) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) of the certificate's subjectAltName."""
    x509 = _crypto().x509
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return ([name.lower() for name in san.get_values_for_type(x509.DNSName)],
            [str(address) for address in san.get_values_for_type(x509.IPAddress)])


def tls_cert_names(pem: str) -> list[str]:
    """The DNS names and IP addresses the certificate (the first of the PEM text) is valid for."""
    certificates = _certificates(pem)
    if not certificates:
        return []
    dns, ips = _san(certificates[0])
    return dns + ips


def tls_not_after(pem: str) -> str:
    """When the certificate (the first of the PEM text) expires, as an ISO 8601 UTC time."""
    certificates = _certificates(pem)
    if not certificates:
        raise ValueError("tls_not_after: the text holds no PEM certificate")
    return _date(certificates[0].not_valid_after_utc)


def _fingerprint(pem: Any) -> str:
    """What tells CA files apart whatever their layout: the digest of their certificates, '' for none."""
    certificates = _certificates(pem)
    if not certificates:
        return ""
    der = _crypto().serialization.Encoding.DER
    return hashlib.sha256(b"".join(certificate.public_bytes(der) for certificate in certificates)).hexdigest()


def _key_errors(text: str, path: str, host: str) -> tuple[list[str], Any]:
    where = f"kafka_tls_key_file on {host}: {path}"
    blocks = PEM_BLOCK.findall(text)
    if not blocks:
        return [f"{where} holds no PEM private key. Fix: point kafka_tls_key_file at the host's key in PEM "
                f"(-----BEGIN PRIVATE KEY-----)."], None
    if len(blocks) > 1:
        return [f"{where} holds {len(blocks)} PEM blocks ({', '.join(blocks)}); the keystore takes the host's key "
                f"alone. Fix: keep only the host's private key in that file."], None
    if blocks[0] == "ENCRYPTED PRIVATE KEY":
        return [f"{where} is encrypted, and the material is handed to Kafka without a key password. Fix: decrypt "
                f"it: {CONVERT.format(path=path)}, and point kafka_tls_key_file at the new "
                f"file."], None
    if blocks[0] in TRADITIONAL_KEYS:
        return [f"{where} is in the traditional format ({blocks[0]}, PKCS#1 or SEC1), and Kafka's PEM keystore "
                f"reads PKCS#8 (BEGIN PRIVATE KEY) only. Fix: convert it: {CONVERT.format(path=path)}, and point "
                f"kafka_tls_key_file at the new file."], None
    if blocks[0] != "PRIVATE KEY":
        return [f"{where} holds a {blocks[0]}, not a private key. Fix: point kafka_tls_key_file at the host's "
                f"private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)."], None
    try:
        key = _crypto().serialization.load_pem_private_key(text.encode(), password=None)
    except _crypto().errors:
        return [f"{where} cannot be read as a PKCS#8 private key. Fix: point kafka_tls_key_file at the host's "
                f"private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)."], None
    return [], key


def tls_material_errors(texts: Mapping[str, Any], files: Mapping[str, Any], host: str,
                        now: datetime | None = None) -> list[str]:
    """Why the material a user brings for a host (texts and files: {ca, cert, key}; a text is
    None when its file is missing) cannot serve Kafka: the key not unencrypted PKCS#8 or not the
    certificate's, the certificate not chained to the CA (through the intermediates that follow
    it in its file), without serverAuth and clientAuth, or outside its validity."""
    now = now or datetime.now(UTC)
    absent = [f"{VARIABLES[part]} on {host}: {files.get(part)} is not a file on the controller. Fix: give the "
              f"path of the {WHAT[part]} on the machine that runs ansible-playbook."
              for part in ("ca", "cert", "key") if texts.get(part) is None]
    if absent:
        return absent
    errors = []
    cas = _certificates(texts.get("ca", ""))
    where_ca = f"kafka_tls_ca_cert_file on {host}: {files.get('ca')}"
    if not cas:
        errors.append(f"{where_ca} holds no PEM certificate. Fix: point kafka_tls_ca_cert_file at the certificate "
                      f"of the CA that signed the host's (-----BEGIN CERTIFICATE-----).")
    for ca in cas:
        if not _is_ca(ca):
            errors.append(f"{where_ca} holds {_subject(ca)}, which is not a CA (no basicConstraints CA:TRUE), so "
                          f"no peer would accept it as an issuer. Fix: point kafka_tls_ca_cert_file at the CA "
                          f"certificate that signed the host's.")
    key_errors, key = _key_errors(str(texts.get("key", "")), str(files.get("key")), host)
    errors += key_errors
    chain = _certificates(texts.get("cert", ""))
    where = f"kafka_tls_cert_file on {host}: {files.get('cert')}"
    if not chain:
        return [*errors, f"{where} holds no PEM certificate. Fix: point kafka_tls_cert_file at the host's "
                         f"certificate (-----BEGIN CERTIFICATE-----), any intermediate CAs after it."]
    leaf = chain[0]
    if key is not None and _spki(leaf.public_key()) != _spki(key.public_key()):
        errors.append(f"{where} is not the certificate of the key in {files.get('key')}. Fix: give the key and "
                      f"the certificate that belong together.")
    links = [_issued_by(child, parent) for child, parent in itertools.pairwise(chain)]
    if not all(links):
        errors.append(f"{where}: certificate {links.index(False) + 2} of the file did not sign the one before it. "
                      f"Fix: put the host's certificate first, then each intermediate CA in order.")
    elif cas and not any(_issued_by(chain[-1], ca) or chain[-1] == ca for ca in cas):
        errors.append(f"{where} is not signed by the CA of {files.get('ca')} ({', '.join(map(_subject, cas))}), "
                      f"so the other brokers would refuse it. Fix: point kafka_tls_ca_cert_file at the CA that "
                      f"issued it, or bring a certificate that CA signed.")
    try:
        usages = set(leaf.extensions.get_extension_for_class(_crypto().x509.ExtendedKeyUsage).value)
    except _crypto().x509.ExtensionNotFound:
        usages = set()
    wanted = _crypto().oid.ExtendedKeyUsageOID
    missing = [name for name, usage in (("serverAuth", wanted.SERVER_AUTH), ("clientAuth", wanted.CLIENT_AUTH))
               if usage not in usages]
    if missing:
        errors.append(f"{where} lacks {' and '.join(missing)} in its extendedKeyUsage; a broker is a TLS server to "
                      f"clients and a TLS client of the other brokers, and needs both. Fix: have the certificate "
                      f"issued with extendedKeyUsage serverAuth, clientAuth.")
    if now < leaf.not_valid_before_utc:
        errors.append(f"{where} is not valid before {_date(leaf.not_valid_before_utc)}. Fix: check the "
                      f"controller's clock, or bring a certificate valid now.")
    if now > leaf.not_valid_after_utc:
        errors.append(f"{where} expired on {_date(leaf.not_valid_after_utc)}. Fix: bring a renewed certificate.")
    return errors


def _covers(patterns: list[str], name: str) -> bool:
    for pattern in patterns:
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def tls_material_warnings(cert: str, wanted: list[str], host: str, renew_days: int,
                          now: datetime | None = None) -> list[str]:
    """What works today but not for long with a certificate the user brings: names clients use
    that it does not carry (host name verification fails for those), an expiry within
    renew_days (the toolkit renews only the certificates it makes)."""
    chain = _certificates(cert)
    if not chain:
        return []
    now = now or datetime.now(UTC)
    leaf, warnings = chain[0], []
    dns, ips = _san(leaf)
    if not dns:
        # Without DNS names in the SAN, Java's host name check falls back to the common name.
        dns = [str(a.value).lower() for a in leaf.subject.get_attributes_for_oid(_crypto().oid.NameOID.COMMON_NAME)]
    absent = [name for name in wanted if not (name in ips if _ip(name) is not None else _covers(dns, name))]
    if absent:
        warnings.append(f"kafka_tls_cert_file on {host}: the certificate does not carry {', '.join(absent)}, so "
                        f"clients that reach the host by that name fail Kafka's host name verification. Fix: have "
                        f"it re-issued with those names in its subjectAltName, or leave those names out of "
                        f"kafka_advertised_host and kafka_tls_names.")
    if now + timedelta(days=int(renew_days)) > leaf.not_valid_after_utc:
        warnings.append(f"kafka_tls_cert_file on {host}: the certificate expires on "
                        f"{_date(leaf.not_valid_after_utc)}, within kafka_tls_renew_days ({renew_days}), and the "
                        f"toolkit renews only the certificates it makes. Fix: bring a renewed certificate.")
    return warnings


def tls_ca_errors(ca_cert: str, ca_key: str, ca_dir: str, renew_days: int, now: datetime | None = None) -> list[str]:
    """Why the toolkit's CA found in ca_dir cannot sign: unreadable, not a CA, its key not the
    certificate's, or expiring within renew_days (whatever it signs would stop being trusted)."""
    now = now or datetime.now(UTC)
    where = "kafka_tls_ca_dir on all hosts"
    restore = (f"Fix: put back the ca.key and ca.crt that belong together (from a backup); to start a new CA "
               f"instead, move both out of {ca_dir} and run again: every host certificate is then re-issued and "
               f"clients must trust the new ca.crt.")
    certificates = _certificates(ca_cert)
    if len(certificates) != 1:
        return [f"{where}: {ca_dir}/ca.crt does not hold exactly one PEM certificate. {restore}"]
    certificate = certificates[0]
    errors = []
    if not _is_ca(certificate):
        errors.append(f"{where}: {ca_dir}/ca.crt ({_subject(certificate)}) is not a CA certificate (no "
                      f"basicConstraints CA:TRUE). {restore}")
    try:
        key = _crypto().serialization.load_pem_private_key(str(ca_key).encode(), password=None)
    except _crypto().errors:
        return [*errors, f"{where}: {ca_dir}/ca.key cannot be read as an unencrypted PEM private key (the toolkit "
                         f"takes no passphrase). {restore}"]
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        errors.append(f"{where}: {ca_dir}/ca.key is not the key of {ca_dir}/ca.crt. {restore}")
    if now + timedelta(days=int(renew_days)) > certificate.not_valid_after_utc:
        errors.append(f"{where}: {ca_dir}/ca.crt expires on {_date(certificate.not_valid_after_utc)}, within "
                      f"kafka_tls_renew_days ({renew_days}), and every certificate it signed stops being trusted "
                      f"then. Fix: start a new CA: move ca.key and ca.crt out of {ca_dir} and run again; every "
                      f"host certificate is re-issued, and clients must trust the new ca.crt.")
    return errors


def tls_cluster_errors(plans: list[Mapping[str, Any]]) -> list[str]:
    """What the hosts' plans ({host, mode: generate|brought|partial, dir, ca_file, ca_pem}) get
    wrong together: one CA must sign the whole cluster, since each broker trusts only the CA it
    is given."""
    errors = []
    made = [plan for plan in plans if plan.get("mode") == "generate"]
    if made and any(plan.get("dir") != made[0].get("dir") for plan in made):
        others = "; ".join(f"{plan.get('host')}: {plan.get('dir')}" for plan in made[1:]
                           if plan.get("dir") != made[0].get("dir"))
        errors.append(f"kafka_tls_ca_dir on all hosts: {made[0].get('dir')} on {made[0].get('host')}, but {others}; "
                      f"one CA signs the whole cluster. Fix: set kafka_tls_ca_dir once, in group_vars/all.")
        return errors
    sources: dict[str, tuple[str, list[str]]] = {}
    for plan in plans:
        fingerprint = _fingerprint(plan.get("ca_pem") or "")
        if plan.get("mode") == "generate":
            identity = fingerprint or f"new:{plan.get('dir')}"
            label = f"the toolkit's CA in {plan.get('dir')}"
        elif plan.get("mode") == "brought" and fingerprint:
            identity, label = fingerprint, str(plan.get("ca_file"))
        else:
            continue
        sources.setdefault(identity, (label, []))[1].append(str(plan.get("host")))
    if len(sources) > 1:
        described = "; ".join(f"{', '.join(hosts)}: {label}" for label, hosts in sources.values())
        errors.append(f"kafka_tls_ca_cert_file on all hosts: the hosts' certificates would come from {len(sources)} "
                      f"CAs ({described}), and each broker trusts only the CA it is given. Fix: bring material from "
                      f"one CA for every host (kafka_tls_ca_cert_file, kafka_tls_cert_file, kafka_tls_key_file), or "
                      f"for none, and the toolkit makes it all.")
    return errors


def tls_path_errors(paths: Mapping[str, Any], host: str, repository: str) -> list[str]:
    """Controller paths that must be absolute; the CA directory outside the repository, where a
    key would be one 'git add' away from being published."""
    errors = []
    for variable, path in paths.items():
        if not path:
            continue
        if not os.path.isabs(str(path)):
            errors.append(f"{variable} on {host}: {path!r} is not an absolute path on the controller. Fix: give the "
                          f"full path (a leading ~ is expanded).")
            continue
        if variable == "kafka_tls_ca_dir":
            inside = os.path.realpath(str(path))
            root = os.path.realpath(repository)
            if os.path.commonpath([inside, root]) == root:
                errors.append(f"{variable} on {host}: {path} is inside {root}, where the CA's key could be "
                              f"committed with the project. Fix: keep it outside, as the default "
                              f"~/.kafka-toolkit/ca does.")
    return errors


class FilterModule:
    """The kafka_tls role's filters."""

    def filters(self) -> dict:
        return {
            "tls_wanted_names": tls_wanted_names,
            "tls_name_errors": tls_name_errors,
            "tls_subject_alt_names": tls_subject_alt_names,
            "tls_cert_names": tls_cert_names,
            "tls_not_after": tls_not_after,
            "tls_material_errors": tls_material_errors,
            "tls_material_warnings": tls_material_warnings,
            "tls_ca_errors": tls_ca_errors,
            "tls_cluster_errors": tls_cluster_errors,
            "tls_path_errors": tls_path_errors,
        }
