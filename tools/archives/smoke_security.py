#!/usr/bin/env python3
"""The verifier over TLS and SASL/SCRAM against a real broker, for the archive smoke test.

smoke-test.sh runs ``certs DIR`` before it formats its KRaft node, whose SSL and SASL_SSL
listeners then use the files written there, and ``check`` once the node serves:

  certs DIR   a CA and the node's certificate (EC P-256, SAN DNS:localhost and IP:127.0.0.1,
              serverAuth and clientAuth), the node's keystore (the PKCS#8 key followed by the
              certificate, as ssl.keystore.type=PEM takes it), a second CA that signed nothing
              here, a random SCRAM password and the client properties a SASL_SSL client uses
              (Kafka's --command-config format); every file 0600
  check       the verifier (python -m kafka_verify, from this repository) over SSL with --ca-file
              and over SASL_SSL with --command-config writes and reads back every message; a
              client that trusts the other CA and one with a wrong password are refused, each
              with a one-line reason; kafka_verify.status reads the cluster over SASL_SSL; no
              password shows in any output

Needs kafka-python and cryptography (the repository's .venv has both). Each run has a time
limit; prints what each case showed and how long it took, and exits 1 with the reason of the
first case that went wrong.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from cryptography.x509 import Certificate

ROOT = Path(__file__).resolve().parents[2]
USER = "admin"
# What certs writes into its directory.
CA, OTHER_CA, KEYSTORE, CLIENT = "ca.pem", "other-ca.pem", "node.pem", "client.properties"
LOGIN_FILE = "admin.password"  # the SCRAM user's password, for kafka-storage.sh format --add-scram
# What a refused client tries; random too, so that any output holding it is found.
WRONG_PASSWORD = "wrong-" + secrets.token_hex(8)
MESSAGES = 300
# A refused client retries until its connect timeout; short, so that a refusal costs little.
REFUSED_CONNECT_S = 4
RUN_LIMIT_S = 90


# --- certs ------------------------------------------------------------------------------------------


def write_private(path: Path, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


def make_ca(name: str) -> tuple[EllipticCurvePrivateKey, Certificate]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_node_cert(ca_key: EllipticCurvePrivateKey,
                   ca_cert: Certificate) -> tuple[EllipticCurvePrivateKey, Certificate]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def client_properties(directory: Path, password: str) -> str:
    # The JAAS line over continuation lines, as people write it, so that the verifier reads a
    # file Kafka's own tools read too (smoke-test.sh hands the same file to kafka-topics.sh).
    return (f"security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
            f"ssl.truststore.type=PEM\nssl.truststore.location={directory / CA}\n"
            f"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
            f"    username=\"{USER}\" \\\n    password=\"{password}\";\n")


def certs(directory: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = serialization.Encoding.PEM
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = make_ca("kafka-toolkit smoke CA")
    _, other_cert = make_ca("kafka-toolkit stranger CA")
    key, cert = make_node_cert(ca_key, ca_cert)
    write_private(directory / CA, ca_cert.public_bytes(pem))
    write_private(directory / OTHER_CA, other_cert.public_bytes(pem))
    # No ssl.key.password on the broker: Kafka 4.4 reads an unencrypted PKCS#8 key without one.
    write_private(directory / KEYSTORE, key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()) + cert.public_bytes(pem))
    password = "smoke-" + secrets.token_hex(12)
    write_private(directory / LOGIN_FILE, password.encode() + b"\n")
    write_private(directory / CLIENT, client_properties(directory, password).encode())


# --- check ------------------------------------------------------------------------------------------


class CheckFailed(Exception):
    pass


@dataclass
class Outcome:
    code: int
    report: dict
    stdout: str
    stderr: str
    seconds: float


class Runs:
    """The tools run by a check, each with a time limit; whatever still runs when the check ends
    is stopped."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, module: str, args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, float]:
        process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self.running.append(process)
        return process, time.monotonic()

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.communicate()


def finish(started: tuple[subprocess.Popen, float], what: str) -> Outcome:
    process, began = started
    try:
        stdout, stderr = process.communicate(timeout=RUN_LIMIT_S)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{what}: no answer within {RUN_LIMIT_S} s") from None
    try:
        report = json.loads(stdout) if stdout.strip() else {}
    except ValueError:
        raise CheckFailed(f"{what}: exit {process.returncode}, not a JSON report: {stdout[-300:]!r}") from None
    return Outcome(process.returncode, report, stdout, stderr, time.monotonic() - began)


def verifier(bootstrap: str, prefix: str, *extra: str) -> list[str]:
    return ["--json", "--bootstrap-servers", bootstrap, "--topics", "1", "--topic-prefix", prefix,
            "--partitions", "1", "--replication-factor", "1", "--messages", str(MESSAGES), "--message-size", "100",
            "--expect-brokers", "1", "--wait-healthy", "15", "--consume-timeout", "20", "--delivery-timeout", "20",
            *extra]


def passed(outcome: Outcome, what: str) -> str:
    counts = outcome.report.get("counts", {})
    if outcome.code != 0 or counts.get("acked") != MESSAGES or counts.get("read") != MESSAGES:
        raise CheckFailed(f"{what}: exit {outcome.code}, {counts.get('acked')} acknowledged, {counts.get('read')} "
                          f"read: {outcome.report.get('reason')} {outcome.stderr[-300:]}")
    return f"exit 0, {counts['acked']} acknowledged, {counts['read']} read back"


def refused(outcome: Outcome, what: str, *wanted: str) -> str:
    """Exit 3 with a reason that holds one of wanted, and nothing else said."""
    reason = str(outcome.report.get("reason", ""))
    if outcome.code != 3 or not any(text in reason for text in wanted) or outcome.stderr.strip():
        raise CheckFailed(f"{what}: expected exit 3 with one of {wanted} and nothing on stderr, got exit "
                          f"{outcome.code}: {reason!r} {outcome.stderr[-300:]!r}")
    return f"exit 3: {reason}"


def healthy(outcome: Outcome, what: str) -> str:
    if outcome.code != 0:
        raise CheckFailed(f"{what}: exit {outcome.code}: {outcome.report.get('reason')} {outcome.stderr[-300:]}")
    return f"exit 0: {outcome.report.get('reason')}"


def check(directory: Path, ssl_bootstrap: str, sasl_bootstrap: str) -> None:
    password = (directory / LOGIN_FILE).read_text().splitlines()[0]
    wrong = directory / "wrong.password"
    write_private(wrong, WRONG_PASSWORD.encode() + b"\n")
    ca, other_ca, config = str(directory / CA), str(directory / OTHER_CA), str(directory / CLIENT)
    refused_fast = ["--connect-timeout", str(REFUSED_CONNECT_S)]
    runs = Runs()
    try:
        # The refused clients spend their connect timeout retrying: they run beside the others.
        untrusted = runs.start("kafka_verify", verifier(ssl_bootstrap, "smoke-untrusted", "--security-protocol",
                                                        "SSL", "--ca-file", other_ca, *refused_fast))
        wrong_password = runs.start("kafka_verify", verifier(sasl_bootstrap, "smoke-wrong", "--command-config",
                                                             config, "--sasl-password-file", str(wrong),
                                                             *refused_fast))
        outcomes = {}
        what = "SSL with --ca-file"
        outcomes[what] = finish(runs.start("kafka_verify", verifier(ssl_bootstrap, "smoke-ssl", "--security-protocol",
                                                                    "SSL", "--ca-file", ca)), what)
        shown = {what: passed(outcomes[what], what)}
        what = "SASL_SSL with --command-config"
        outcomes[what] = finish(runs.start("kafka_verify", verifier(sasl_bootstrap, "smoke-sasl", "--command-config",
                                                                    config)), what)
        shown[what] = passed(outcomes[what], what)
        what = "status over SASL_SSL, the password from the environment"
        outcomes[what] = finish(runs.start("kafka_verify.status", [
            "--json", "--bootstrap-servers", sasl_bootstrap, "--security-protocol", "SASL_SSL", "--ca-file", ca,
            "--sasl-username", USER, "--expect-brokers", "1", "--timeout", "15"],
            env={"KAFKA_VERIFY_SASL_PASSWORD": password}), what)
        shown[what] = healthy(outcomes[what], what)
        what = "SSL trusting another CA"
        outcomes[what] = finish(untrusted, what)
        shown[what] = refused(outcomes[what], what, "TLS handshake failed: certificate verify failed")
        what = "SASL_SSL with a wrong password"
        outcomes[what] = finish(wrong_password, what)
        # kafka-python sometimes sees only the close that follows the brokers' refusal: the
        # verifier then names the wrong password as the likely cause.
        shown[what] = refused(outcomes[what], what, "SASL authentication failed", "a wrong username, password")
    finally:
        runs.stop_all()
    for what, line in shown.items():
        print(f"smoke-test: security: {what}: {line} ({outcomes[what].seconds:.1f} s)")
    for what, outcome in outcomes.items():
        if any(secret in outcome.stdout + outcome.stderr for secret in (password, WRONG_PASSWORD)):
            raise CheckFailed(f"{what}: a password shows in its output")
    print(f"smoke-test: security: no password in the output of any of these {len(outcomes)} runs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smoke_security.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("certs", help="write the CA, the node's keystore, the password and client.properties")
    made.add_argument("dir", type=Path)
    checked = commands.add_parser("check", help="run the verifier against the node's SSL and SASL_SSL listeners")
    checked.add_argument("--dir", type=Path, required=True, help="what certs wrote")
    checked.add_argument("--ssl", required=True, metavar="HOST:PORT", help="the node's SSL listener")
    checked.add_argument("--sasl-ssl", required=True, metavar="HOST:PORT", help="the node's SASL_SSL listener")
    args = parser.parse_args(argv)
    if args.command == "certs":
        certs(args.dir)
        return 0
    try:
        check(args.dir, args.ssl, args.sasl_ssl)
    except CheckFailed as failure:
        print(f"smoke-test: security: FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
