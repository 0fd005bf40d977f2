"""The filters of plugins/filter/kafka_tls.py: the names a host certificate carries, and each
refusal of material brought by the user or found in the CA directory, shown to fire on its
condition and to stay quiet otherwise."""

from datetime import UTC, datetime, timedelta

import pytest
from kafka_tls import (
    tls_ca_errors,
    tls_cert_names,
    tls_cluster_errors,
    tls_material_errors,
    tls_material_warnings,
    tls_name,
    tls_name_errors,
    tls_not_after,
    tls_path_errors,
    tls_subject_alt_names,
    tls_wanted_names,
)
from tls_support import BOTH, cert_pem, ec_key, key_pem, make_ca, make_cert, rsa_key

FILES = {"ca": "/pki/ca.pem", "cert": "/pki/h1.crt", "key": "/pki/h1.key"}


@pytest.fixture(scope="module")
def ca():
    return make_ca("Brought CA")


def material(ca, cert_and_key, chain=()):
    key, cert = cert_and_key
    return {"ca": cert_pem(ca[1]), "cert": cert_pem(cert, *chain), "key": key_pem(key)}


@pytest.mark.parametrize(("value", "name"), [
    ("Kafka1.Example.COM.", "kafka1.example.com"),
    ("hadoop-master", "hadoop-master"),
    ("broker_1.internal", "broker_1.internal"),
    ("*.kafka.example.com", "*.kafka.example.com"),
    ("192.0.2.10", "192.0.2.10"),
    ("2001:DB8:0:0::1", "2001:db8::1"),
])
def test_a_name_is_written_as_a_certificate_holds_it(value, name):
    assert tls_name(value) == name


@pytest.mark.parametrize("value", ["", "a b", "-lead.example.com", "a..b", "*.com", "x.*.example.com",
                                   "fe80::1%eth0", "bröker.example.com", "a" * 64, None, 7])
def test_a_value_no_certificate_can_carry_is_no_name(value):
    assert tls_name(value) is None


def test_the_wanted_names_start_with_the_inventory_name_and_hold_each_name_once():
    brokers = [{"name": "server", "advertised_listeners": "PLAINTEXT://ext.example.com:9092,INTERNAL://[2001:db8::5]:9094"},
               {"name": "second", "advertised_listeners": ["PLAINTEXT://:9093", "SSL://HADOOP-MASTER:9095"]}]
    names = tls_wanted_names("hadoop-master", "kafka1.example.com", ["kafka1.example.com", "192.0.2.10"], brokers)
    assert names == ["hadoop-master", "kafka1.example.com", "ext.example.com", "2001:db8::5", "192.0.2.10"]
    assert tls_subject_alt_names(names) == ["DNS:hadoop-master", "DNS:kafka1.example.com", "DNS:ext.example.com",
                                            "IP:2001:db8::5", "IP:192.0.2.10"]
    assert tls_wanted_names("10.0.0.5") == ["10.0.0.5"]
    assert tls_name_errors("hadoop-master", "", [], brokers) == []


def test_names_no_certificate_can_carry_are_refused_with_their_variable():
    errors = tls_name_errors("bad host", "two words", ["ok.example.com", "no way"])
    assert errors[0].startswith("inventory_hostname on bad host: 'bad host' is neither a DNS name nor an IP address")
    assert errors[1].startswith("kafka_advertised_host on bad host: 'two words'")
    assert errors[2].startswith("kafka_tls_names on bad host: 'no way'")
    assert all("Fix:" in error for error in errors)
    assert tls_name_errors("h1", "", "a,b")[0].startswith("kafka_tls_names on h1: 'a,b' is not a list")


def test_material_that_serves_kafka_passes(ca):
    assert tls_material_errors(material(ca, make_cert(ca, ["h1"])), FILES, "h1") == []


def test_a_certificate_issued_through_an_intermediate_chains_to_the_root(ca):
    intermediate = make_ca("Intermediate", issuer=ca)
    host = make_cert(intermediate, ["h1"])
    assert tls_material_errors(material(ca, host, chain=[intermediate[1]]), FILES, "h1") == []
    errors = tls_material_errors(material(ca, host), FILES, "h1")
    assert any("is not signed by the CA of /pki/ca.pem" in error for error in errors)


@pytest.mark.parametrize(("key", "pkcs8", "password", "expected"), [
    (rsa_key, False, None, "is in the traditional format (RSA PRIVATE KEY, PKCS#1 or SEC1)"),
    (ec_key, False, None, "is in the traditional format (EC PRIVATE KEY, PKCS#1 or SEC1)"),
    (ec_key, True, b"secret", "is encrypted"),
], ids=["pkcs1-rsa", "sec1-ec", "encrypted-pkcs8"])
def test_a_key_kafka_cannot_read_is_refused(ca, key, pkcs8, password, expected):
    host_key, cert = make_cert(ca, ["h1"], key=key())
    texts = {"ca": cert_pem(ca[1]), "cert": cert_pem(cert), "key": key_pem(host_key, pkcs8, password)}
    errors = tls_material_errors(texts, FILES, "h1")
    assert len(errors) == 1
    assert errors[0].startswith(f"kafka_tls_key_file on h1: /pki/h1.key {expected}")
    assert "openssl pkey -in /pki/h1.key -out /pki/h1.key.pk8" in errors[0]
    assert "PRIVATE KEY-----" not in errors[0]


def test_a_key_that_is_not_the_certificate_s_is_refused(ca):
    texts = material(ca, make_cert(ca, ["h1"]))
    texts["key"] = key_pem(ec_key())
    assert tls_material_errors(texts, FILES, "h1") == [
        "kafka_tls_cert_file on h1: /pki/h1.crt is not the certificate of the key in /pki/h1.key. Fix: give the key "
        "and the certificate that belong together."]


def test_a_certificate_another_ca_signed_is_refused(ca):
    errors = tls_material_errors(material(ca, make_cert(make_ca("Other"), ["h1"])), FILES, "h1")
    assert len(errors) == 1
    assert errors[0].startswith("kafka_tls_cert_file on h1: /pki/h1.crt is not signed by the CA of /pki/ca.pem "
                                "(CN=Brought CA)")


@pytest.mark.parametrize(("usages", "missing"), [
    ((), "serverAuth and clientAuth"),
    (BOTH[:1], "clientAuth"),
], ids=["no-extended-key-usage", "server-only"])
def test_a_certificate_without_both_tls_usages_is_refused(ca, usages, missing):
    errors = tls_material_errors(material(ca, make_cert(ca, ["h1"], usages=usages)), FILES, "h1")
    assert len(errors) == 1
    assert errors[0].startswith(f"kafka_tls_cert_file on h1: /pki/h1.crt lacks {missing} in its extendedKeyUsage")


def test_an_expired_or_future_certificate_is_refused(ca):
    past = datetime.now(UTC) - timedelta(days=30)
    errors = tls_material_errors(material(ca, make_cert(ca, ["h1"], days=10, start=past)), FILES, "h1")
    assert len(errors) == 1
    assert "expired on" in errors[0]
    future = datetime.now(UTC) + timedelta(days=2)
    errors = tls_material_errors(material(ca, make_cert(ca, ["h1"], start=future)), FILES, "h1")
    assert len(errors) == 1
    assert "is not valid before" in errors[0]


def test_missing_files_and_a_ca_file_without_a_ca_are_refused(ca):
    errors = tls_material_errors({"ca": None, "cert": "x", "key": None}, FILES, "h1")
    assert errors == [
        "kafka_tls_ca_cert_file on h1: /pki/ca.pem is not a file on the controller. Fix: give the path of the CA "
        "certificate on the machine that runs ansible-playbook.",
        "kafka_tls_key_file on h1: /pki/h1.key is not a file on the controller. Fix: give the path of the host's "
        "private key on the machine that runs ansible-playbook."]
    host = make_cert(ca, ["h1"])
    texts = material(ca, host)
    texts["ca"] = cert_pem(host[1])
    assert any("which is not a CA" in error for error in tls_material_errors(texts, FILES, "h1"))


def test_a_brought_certificate_is_warned_about_names_it_lacks_and_a_near_expiry(ca):
    _, cert = make_cert(ca, ["*.kafka.example.com", "192.0.2.10"], days=20)
    warnings = tls_material_warnings(cert_pem(cert), ["h1.kafka.example.com", "192.0.2.10", "192.0.2.11",
                                                      "a.b.kafka.example.com"], "h1", 30)
    assert len(warnings) == 2
    assert "does not carry 192.0.2.11, a.b.kafka.example.com" in warnings[0]
    assert "within kafka_tls_renew_days (30)" in warnings[1]
    assert tls_material_warnings(cert_pem(cert), ["h1.kafka.example.com"], "h1", 10) == []


def test_the_names_and_expiry_of_a_certificate_are_read_back(ca):
    _, cert = make_cert(ca, ["h1", "kafka.example.test", "192.0.2.10"])
    assert tls_cert_names(cert_pem(cert)) == ["h1", "kafka.example.test", "192.0.2.10"]
    assert tls_not_after(cert_pem(cert)) == cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_toolkit_ca_found_on_disk_is_checked_before_it_signs(ca):
    ca_key, ca_cert = ca
    assert tls_ca_errors(cert_pem(ca_cert), key_pem(ca_key), "/ca", 30) == []
    errors = tls_ca_errors(cert_pem(ca_cert), key_pem(ec_key()), "/ca", 30)
    assert errors[0].startswith("kafka_tls_ca_dir on all hosts: /ca/ca.key is not the key of /ca/ca.crt. Fix:")
    errors = tls_ca_errors(cert_pem(ca_cert), key_pem(ca_key, password=b"secret"), "/ca", 30)
    assert "cannot be read as an unencrypted PEM private key" in errors[0]
    old_key, old = make_ca("Old", days=20)
    errors = tls_ca_errors(cert_pem(old), key_pem(old_key), "/ca", 30)
    assert errors[0].startswith("kafka_tls_ca_dir on all hosts: /ca/ca.crt expires on")
    host_key, host = make_cert(ca, ["h1"])
    assert "is not a CA certificate" in tls_ca_errors(cert_pem(host), key_pem(host_key), "/ca", 30)[0]


def test_one_ca_signs_the_whole_cluster(ca):
    other = cert_pem(make_ca("Other")[1])
    own = cert_pem(ca[1])
    made = [{"host": f"h{i}", "mode": "generate", "dir": "/ca", "ca_file": "/ca/ca.crt", "ca_pem": ""} for i in (1, 2)]
    assert tls_cluster_errors(made) == []
    brought = {"host": "h3", "mode": "brought", "dir": "/ca", "ca_file": "/pki/ca.pem", "ca_pem": other}
    errors = tls_cluster_errors([*made, brought])
    assert errors[0].startswith("kafka_tls_ca_cert_file on all hosts: the hosts' certificates would come from 2 CAs "
                                "(h1, h2: the toolkit's CA in /ca; h3: /pki/ca.pem)")
    # A user may bring a certificate the toolkit's own CA signed.
    same = [{**plan, "ca_pem": own} for plan in made] + [{**brought, "ca_pem": own}]
    assert tls_cluster_errors(same) == []
    partial = {"host": "h4", "mode": "partial", "dir": "/ca", "ca_file": "", "ca_pem": other}
    assert tls_cluster_errors([*made, partial]) == []
    moved = [made[0], {**made[1], "dir": "/elsewhere"}]
    assert tls_cluster_errors(moved) == [
        "kafka_tls_ca_dir on all hosts: /ca on h1, but h2: /elsewhere; one CA signs the whole cluster. Fix: set "
        "kafka_tls_ca_dir once, in group_vars/all."]


def test_controller_paths_are_absolute_and_the_ca_stays_out_of_the_repository(tmp_path):
    repository = tmp_path / "repo"
    repository.mkdir()
    errors = tls_path_errors({"kafka_tls_ca_dir": str(repository / "ca"), "kafka_tls_cert_file": "pki/h1.crt",
                              "kafka_tls_key_file": ""}, "h1", str(repository))
    assert errors[0].startswith(f"kafka_tls_ca_dir on h1: {repository}/ca is inside {repository}")
    assert errors[1].startswith("kafka_tls_cert_file on h1: 'pki/h1.crt' is not an absolute path")
    assert len(errors) == 2
    assert tls_path_errors({"kafka_tls_ca_dir": str(tmp_path / "ca")}, "h1", str(repository)) == []
