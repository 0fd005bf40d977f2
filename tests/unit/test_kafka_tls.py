"""The kafka_tls role, for real, against three sandbox hosts that are this machine under the
course's names: the CA and the host material it makes on the controller, read back with the
cryptography library; a re-run that changes nothing; renewal and new names re-issuing only what
they must; refusals before anything is written; material users bring kept as they gave it.

The play writes what the tests read to a report, run by run: each host's certificate, CA and
names, whether it was re-issued, and a digest of its key (never the key)."""

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from tls_support import cert_pem, key_pem, make_ca, make_cert, rsa_key

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("hadoop-master", "hadoop-slave1", "hadoop-slave2")
# hadoop-master's extra names: a DNS name and an address, which must land as an IP entry.
MASTER_DNS, MASTER_IP = "kafka.example.test", "192.0.2.10"

PLAY = """\
- name: The cluster's TLS material
  hosts: all
  gather_facts: false
  roles:
    - kafka_tls
  tasks:
    - name: Keep what the tests read, without the key
      ansible.builtin.set_fact:
        tls_report:
          reissued: "{{ kafka_tls_reissued }}"
          ca: "{{ kafka_tls_material.ca }}"
          cert: "{{ kafka_tls_material.cert }}"
          names: "{{ kafka_tls_material.names }}"
          not_after: "{{ kafka_tls_material.not_after }}"
          key_sha256: "{{ kafka_tls_material.key | hash('sha256') }}"

    - name: Write the report
      ansible.builtin.copy:
        content: >-
          {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'tls_report'))) | to_json }}
        dest: "{{ tls_report_file }}"
        mode: "0644"
      delegate_to: localhost
      run_once: true
      changed_when: false
"""

RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", re.MULTILINE)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    path = tmp_path_factory.mktemp("tls-sandbox")
    hosts = "".join(f"        {host}:\n" for host in HOSTS)
    (path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: local\n    ansible_become: false\n"
        f"    ansible_python_interpreter: {sys.executable}\n"
        f"  children:\n    kafka:\n      hosts:\n{hosts}")
    (path / "host_vars").mkdir()
    (path / "host_vars" / "hadoop-master.yml").write_text(f"kafka_tls_names: [{MASTER_DNS}, {MASTER_IP}]\n")
    (path / "play.yml").write_text(PLAY)
    return path


class Run:
    """One ansible-playbook run: its return code, its output (whitespace folded), the changed
    count of each host from the recap, and the report the play wrote (None if it stopped before)."""

    def __init__(self, result, report_file):
        self.rc = result.returncode
        self.raw = result.stdout + result.stderr
        self.output = " ".join(self.raw.split())
        self.changed = {host: int(changed) for host, changed in RECAP.findall(self.raw)}
        self.report = json.loads(report_file.read_text()) if report_file.exists() else None


def play(sandbox, ca_dir, extra=None, host_vars=None):
    """Run the play with the CA in ca_dir, extra vars (a dict) and extra host_vars (host -> YAML text)."""
    inventories = ["-i", str(sandbox)]
    if host_vars:
        overlay = sandbox.parent / f"overlay-{uuid.uuid4().hex}"
        (overlay / "host_vars").mkdir(parents=True)
        (overlay / "hosts.yml").write_text("all: {}\n")
        for host, text in host_vars.items():
            (overlay / "host_vars" / f"{host}.yml").write_text(text + "\n")
        inventories += ["-i", str(overlay)]
    report_file = sandbox.parent / f"report-{uuid.uuid4().hex}.json"
    extra = {"kafka_tls_ca_dir": str(ca_dir), "tls_report_file": str(report_file), **(extra or {})}
    command = ["ansible-playbook", *inventories, str(sandbox / "play.yml"), "-e", json.dumps(extra)]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
           "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
    return Run(result, report_file)


def snapshot(directory):
    return {path.name: path.read_bytes() for path in sorted(Path(directory).iterdir())}


def mode(path):
    return stat.S_IMODE(Path(path).stat().st_mode)


def certificate(path):
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def san(cert):
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return names.get_values_for_type(x509.DNSName), [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]


@pytest.fixture(scope="module")
def issued(sandbox, tmp_path_factory):
    """A fresh CA directory, the run that filled it, the files as it left them, and a second run."""
    ca_dir = tmp_path_factory.mktemp("tls-issued") / "ca"
    first = play(sandbox, ca_dir)
    assert first.rc == 0, first.output[-3000:]
    files = snapshot(ca_dir)
    second = play(sandbox, ca_dir)
    assert second.rc == 0, second.output[-3000:]
    return ca_dir, first, files, second


def test_the_ca_is_made_once_and_signs_each_host_certificate(issued):
    ca_dir, first, files, _ = issued
    assert sorted(files) == sorted(["ca.key", "ca.crt"] + [f"{h}.{ext}" for h in HOSTS for ext in ("key", "crt")])
    assert mode(ca_dir) == 0o700
    assert mode(ca_dir / "ca.key") == 0o600
    assert mode(ca_dir / "ca.crt") == 0o644
    ca = certificate(ca_dir / "ca.crt")
    assert ca.issuer == ca.subject
    ca.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    for host in HOSTS:
        cert = certificate(ca_dir / f"{host}.crt")
        cert.verify_directly_issued_by(ca)
        master = host == "hadoop-master"
        assert san(cert) == (([host, MASTER_DNS], [MASTER_IP]) if master else ([host], []))
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usages)
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
        key_text = (ca_dir / f"{host}.key").read_text()
        assert key_text.startswith("-----BEGIN PRIVATE KEY-----\n")
        key = serialization.load_pem_private_key(key_text.encode(), password=None)
        assert key.public_key() == cert.public_key()
        assert mode(ca_dir / f"{host}.key") == 0o600
        report = first.report[host]
        assert report["reissued"] is True
        assert report["cert"] == (ca_dir / f"{host}.crt").read_text()
        assert report["ca"] == (ca_dir / "ca.crt").read_text()
        assert report["key_sha256"] == hashlib.sha256(key_text.encode()).hexdigest()
        assert report["names"] == ([host, MASTER_DNS, MASTER_IP] if master else [host])
        not_after = datetime.fromisoformat(report["not_after"])
        assert not_after == cert.not_valid_after_utc
        assert timedelta(days=364) < not_after - datetime.now(UTC) <= timedelta(days=365)


def test_a_second_run_changes_and_reissues_nothing(issued):
    ca_dir, first, files, second = issued
    assert all(first.changed.get(host) for host in HOSTS), first.output[-3000:]
    assert second.changed == dict.fromkeys(HOSTS, 0), second.output[-3000:]
    assert snapshot(ca_dir) == files
    assert all(second.report[host]["reissued"] is False for host in HOSTS)
    assert {host: second.report[host]["cert"] for host in HOSTS} == {host: first.report[host]["cert"] for host in HOSTS}


def test_a_certificate_valid_for_less_than_the_renewal_days_is_reissued(sandbox, issued, tmp_path):
    ca_dir = tmp_path / "ca"
    shutil.copytree(issued[0], ca_dir)
    before = snapshot(ca_dir)
    # Certificates of 365 days, renewed when fewer than 400 days are left: every one is due, and
    # re-issued for kafka_tls_valid_days.
    again = play(sandbox, ca_dir, {"kafka_tls_renew_days": 400, "kafka_tls_valid_days": 10})
    assert again.rc == 0, again.output[-3000:]
    assert "every run re-issues the host certificate" in again.output
    after = snapshot(ca_dir)
    assert after["ca.crt"] == before["ca.crt"]
    assert after["ca.key"] == before["ca.key"]
    ca = certificate(ca_dir / "ca.crt")
    for host in HOSTS:
        assert after[f"{host}.crt"] != before[f"{host}.crt"]
        certificate(ca_dir / f"{host}.crt").verify_directly_issued_by(ca)
        assert again.report[host]["reissued"] is True
        left = datetime.fromisoformat(again.report[host]["not_after"]) - datetime.now(UTC)
        assert timedelta(days=9) < left <= timedelta(days=10)


def test_a_new_name_reissues_that_host_certificate_only(sandbox, issued, tmp_path):
    ca_dir = tmp_path / "ca"
    shutil.copytree(issued[0], ca_dir)
    before = snapshot(ca_dir)
    run = play(sandbox, ca_dir, host_vars={"hadoop-slave1": "kafka_tls_names: [broker-1.example.test, 198.51.100.7]"})
    assert run.rc == 0, run.output[-3000:]
    after = snapshot(ca_dir)
    assert {name for name in after if after[name] != before[name]} == {"hadoop-slave1.crt"}
    assert san(certificate(ca_dir / "hadoop-slave1.crt")) == (["hadoop-slave1", "broker-1.example.test"],
                                                              ["198.51.100.7"])
    assert {host: run.report[host]["reissued"] for host in HOSTS} == {
        "hadoop-master": False, "hadoop-slave1": True, "hadoop-slave2": False}
    assert run.changed["hadoop-master"] == run.changed["hadoop-slave2"] == 0
    assert run.changed["hadoop-slave1"] > 0


@pytest.mark.parametrize(("present", "expected"), [
    ("ca.crt", "kafka_tls_ca_dir on all hosts: {dir}/ca.crt exists without ca.key beside it"),
    ("ca.key", "kafka_tls_ca_dir on all hosts: {dir}/ca.key exists without ca.crt beside it"),
], ids=["certificate-without-key", "key-without-certificate"])
def test_half_a_ca_is_refused_and_never_completed(sandbox, tmp_path, present, expected):
    key, cert = make_ca()
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir(mode=0o700)
    (ca_dir / present).write_text(cert_pem(cert) if present == "ca.crt" else key_pem(key))
    before = snapshot(ca_dir)
    run = play(sandbox, ca_dir)
    assert run.rc != 0, run.output[-2000:]
    assert expected.format(dir=ca_dir) in run.output, run.output[-3000:]
    assert "Fix:" in run.output
    assert snapshot(ca_dir) == before
    assert run.report is None


def write(directory, name, text):
    path = directory / name
    path.write_text(text)
    return str(path)


def test_brought_material_that_cannot_serve_kafka_is_refused_before_anything_is_written(sandbox, tmp_path):
    ca = make_ca("Brought CA")
    other = make_ca("Another CA")
    ca_file = write(tmp_path, "ca.pem", cert_pem(ca[1]))
    # hadoop-master: a certificate another CA signed; hadoop-slave2: a PKCS#1 key.
    master_key, master_cert = make_cert(other, ["hadoop-master"])
    slave2_key, slave2_cert = make_cert(ca, ["hadoop-slave2"], key=rsa_key())
    host_vars = {
        "hadoop-master": f"kafka_tls_ca_cert_file: {ca_file}\n"
                         f"kafka_tls_cert_file: {write(tmp_path, 'master.crt', cert_pem(master_cert))}\n"
                         f"kafka_tls_key_file: {write(tmp_path, 'master.key', key_pem(master_key))}",
        "hadoop-slave1": f"kafka_tls_cert_file: {write(tmp_path, 'slave1.crt', cert_pem(master_cert))}",
        "hadoop-slave2": f"kafka_tls_ca_cert_file: {ca_file}\n"
                         f"kafka_tls_cert_file: {write(tmp_path, 'slave2.crt', cert_pem(slave2_cert))}\n"
                         f"kafka_tls_key_file: {write(tmp_path, 'slave2.key', key_pem(slave2_key, pkcs8=False))}",
    }
    ca_dir = tmp_path / "ca"
    run = play(sandbox, ca_dir, host_vars=host_vars)
    assert run.rc != 0, run.output[-2000:]
    for text in [f"kafka_tls_cert_file on hadoop-master: {tmp_path}/master.crt is not signed by the CA of {ca_file}",
                 "kafka_tls_ca_cert_file and kafka_tls_key_file on hadoop-slave1: empty, but kafka_tls_cert_file set",
                 f"kafka_tls_key_file on hadoop-slave2: {tmp_path}/slave2.key is in the traditional format "
                 "(RSA PRIVATE KEY, PKCS#1 or SEC1)"]:
        assert text in run.output, f"{text!r} not in:\n{run.output[-3000:]}"
    assert run.output.count("Fix:") >= 3
    assert "PRIVATE KEY-----" not in run.output
    assert not ca_dir.exists()
    assert run.report is None


def test_brought_material_is_handed_over_as_given(sandbox, tmp_path):
    ca = make_ca("Brought CA")
    ca_text = cert_pem(ca[1])
    ca_file = write(tmp_path, "ca.pem", ca_text)
    given, host_vars = {}, {}
    for host in HOSTS:
        key, cert = make_cert(ca, [host])
        given[host] = {"cert": cert_pem(cert), "key": key_pem(key)}
        host_vars[host] = (f"kafka_tls_cert_file: {write(tmp_path, host + '.crt', given[host]['cert'])}\n"
                           f"kafka_tls_key_file: {write(tmp_path, host + '.key', given[host]['key'])}")
    ca_dir = tmp_path / "ca"
    # The CA file once for all hosts, as group_vars would set it.
    run = play(sandbox, ca_dir, {"kafka_tls_ca_cert_file": ca_file}, host_vars)
    assert run.rc == 0, run.output[-3000:]
    assert run.changed == dict.fromkeys(HOSTS, 0)
    for host in HOSTS:
        report = run.report[host]
        assert report["ca"] == ca_text
        assert report["cert"] == given[host]["cert"]
        assert report["key_sha256"] == hashlib.sha256(given[host]["key"].encode()).hexdigest()
        assert report["names"] == [host]
        assert report["reissued"] is False
    assert not ca_dir.exists()
