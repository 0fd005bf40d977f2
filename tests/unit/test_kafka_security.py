"""kafka_security: one protocol for every listener of the cluster, what it writes on every node,
what a client on the hosts is given, its refusals, and the modules' own TLS client."""

import datetime
import socket
import ssl
import sys
import threading
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from kafka_model import kafka_cluster_model, kafka_model_errors
from kafka_toolkit import kafka_security_errors, listener_protocols

sys.path.insert(0, str(ROOT / "plugins" / "module_utils"))
import kafka_protocol

HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "kafka" / "defaults" / "main.yml").read_text())
BASE = yaml.safe_load(Path(ROOT / "roles" / "kafka" / "vars" / "main.yml").read_text())["kafka_default_properties"]


def hostvars(mode="kraft", combined=(), **common):
    return {host: {"kafka_broker_id": index, "kafka_mode": mode, **common,
                   **({"kafka_controller_combined": True} if host in combined else
                      {"kafka_controller_id": 1000 + index})}
            for index, host in enumerate(HOSTS, start=1)}


def model(variables, controllers=HOSTS):
    return kafka_cluster_model(HOSTS, variables, DEFAULTS, [], BASE, controllers)


def test_plaintext_is_the_default_and_writes_no_tls_setting():
    cluster = model(hostvars())
    assert cluster["security"]["protocol"] == "PLAINTEXT"
    assert cluster["security"]["client_args"] == []
    assert cluster["security"]["client_properties"] == {"security.protocol": "PLAINTEXT"}
    for node in cluster["nodes"]:
        assert not [key for key in node["properties"] if key.startswith("ssl.")]
        assert "security.inter.broker.protocol" not in node["properties"]
    assert "CONTROLLER:PLAINTEXT" in cluster["brokers"][0]["properties"]["listener.security.protocol.map"]


@pytest.mark.parametrize(("release", "producer", "election", "cluster_tool"), [
    ("3.9.2", "--producer.config", "--admin.config", "--config"),
    ("4.2.0", "--producer.config", "--admin.config", "--config"),
    ("4.3.1", "--command-config", "--command-config", "--command-config"),
    ("4.4.0", "--command-config", "--command-config", "--command-config"),
])
def test_each_kafka_tool_gets_the_client_file_by_the_option_of_the_release(release, producer, election,
                                                                            cluster_tool):
    client = DEFAULTS["kafka_client_config"]
    security = model(hostvars(kafka_security="tls", kafka_version=release))["security"]
    assert security["client_args"] == ["--command-config", client]
    assert security["tool_args"]["kafka-console-producer.sh"] == [producer, client]
    assert security["tool_args"]["kafka-console-consumer.sh"] == [producer.replace("producer", "consumer"), client]
    assert security["tool_args"]["kafka-leader-election.sh"] == [election, client]
    assert security["tool_args"]["kafka-cluster.sh"] == [cluster_tool, client]
    plaintext = model(hostvars(kafka_version=release))["security"]
    assert plaintext["tool_args"] == {tool: [] for tool in security["tool_args"]}


def test_tls_puts_every_listener_on_ssl_with_pem_stores_and_no_store_password():
    cluster = model(hostvars(kafka_security="tls"))
    assert kafka_model_errors(cluster) == []
    broker = cluster["brokers"][0]["properties"]
    assert broker["listeners"] == "SSL://:9092"
    assert broker["advertised.listeners"] == "SSL://hadoop-master:9092"
    assert broker["security.inter.broker.protocol"] == "SSL"
    assert "CONTROLLER:SSL" in broker["listener.security.protocol.map"]
    controller = cluster["nodes"][0]
    assert controller["role"] == "controller"
    assert "CONTROLLER:SSL" in controller["properties"]["listener.security.protocol.map"]
    for node in cluster["nodes"]:
        properties = node["properties"]
        assert properties["ssl.keystore.type"] == "PEM"
        assert properties["ssl.keystore.location"] == "/etc/kafka/tls/host.pem"
        assert properties["ssl.truststore.type"] == "PEM"
        assert properties["ssl.truststore.location"] == "/etc/kafka/tls/ca.crt"
        # Kafka refuses store passwords with PEM stores.
        assert not [key for key in properties if key.endswith(".password")]
    assert cluster["bootstrap_servers"] == ["hadoop-master:9092", "hadoop-slave1:9092", "hadoop-slave2:9092"]
    assert cluster["security"]["client_properties"] == {
        "security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": "/etc/kafka/tls/ca.crt"}
    assert cluster["security"]["client_args"] == ["--command-config", "/etc/kafka/client.properties"]


def test_a_combined_node_speaks_tls_on_both_listeners():
    cluster = model(hostvars(kafka_security="tls", combined=HOSTS))
    properties = cluster["brokers"][0]["properties"]
    assert properties["listeners"] == "SSL://:9092,CONTROLLER://:9093"
    assert "CONTROLLER:SSL" in properties["listener.security.protocol.map"]
    assert kafka_model_errors(cluster) == []


def test_tls_in_zookeeper_mode_moves_the_brokers_only():
    variables = hostvars(mode="zookeeper", kafka_security="tls")
    cluster = kafka_cluster_model(HOSTS, variables, DEFAULTS, [], BASE, [])
    properties = cluster["brokers"][0]["properties"]
    assert properties["listeners"] == "SSL://:9092"
    assert properties["security.inter.broker.protocol"] == "SSL"
    assert "listener.security.protocol.map" not in properties


def test_a_named_inter_broker_listener_is_not_doubled():
    # Kafka refuses inter.broker.listener.name and security.inter.broker.protocol together.
    cluster = model(hostvars(kafka_security="tls", kafka_properties={"inter.broker.listener.name": "SSL"}))
    properties = cluster["brokers"][0]["properties"]
    assert properties["inter.broker.listener.name"] == "SSL"
    assert "security.inter.broker.protocol" not in properties


@pytest.mark.parametrize(("change", "expected"), [
    ({"kafka_security": "sasl_tls"}, "kafka_security on hadoop-master: sasl_tls (SASL/SCRAM users over TLS) is not "
                                     "available yet. Fix: use tls"),
    ({"kafka_security": "ssl"}, "kafka_security on hadoop-master: 'ssl' is not one of plaintext, tls. Fix:"),
    ({"kafka_client_config": "/etc/passwd"},
     "kafka_client_config on hadoop-master: '/etc/passwd' is not an absolute path to a .properties file. Fix:"),
    ({"kafka_client_config": "client.properties"},
     "kafka_client_config on hadoop-master: 'client.properties' is not an absolute path"),
])
def test_refused_settings(change, expected):
    errors = kafka_model_errors(model(hostvars(**change)))
    assert any(expected in error for error in errors), errors


def test_one_protocol_for_the_whole_cluster():
    variables = hostvars(kafka_security="tls")
    variables["hadoop-slave2"]["kafka_security"] = "plaintext"
    errors = kafka_model_errors(model(variables))
    assert ("kafka_security on hadoop-slave2: 'plaintext', but hadoop-master has 'tls'; the whole cluster speaks one "
            "protocol. Fix: set kafka_security once, in group_vars/all.yml.") in errors


def test_tls_is_refused_during_a_migration():
    variables = hostvars(mode="zookeeper", kafka_security="tls", kafka_migration="controllers")
    cluster = kafka_cluster_model(HOSTS, variables, DEFAULTS, [], BASE, HOSTS)
    assert any("kafka_security on hadoop-master: tls during a migration to KRaft is not supported yet" in error
               for error in kafka_model_errors(cluster))


def test_listener_protocols_follow_the_map():
    assert listener_protocols({"listeners": "SSL://:9092,CONTROLLER://:9093",
                               "listener.security.protocol.map": "CONTROLLER:SSL,SSL:SSL"}) == {"SSL"}
    assert listener_protocols({"listeners": "PLAINTEXT://:9092"}) == {"PLAINTEXT"}
    assert listener_protocols({"listeners": "INTERNAL://:9092", "listener.security.protocol.map":
                               "INTERNAL:SASL_SSL"}) == {"SASL_SSL"}


def on_disk(listeners, mapping="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"):
    return f"process.roles=broker\nlisteners={listeners}\nlistener.security.protocol.map={mapping}\n"


def test_a_running_plaintext_node_is_not_flipped_to_tls_in_place():
    cluster = model(hostvars(kafka_security="tls"))
    nodes = [node for node in cluster["nodes"] if node["host"] == "hadoop-master"]
    files = {"/etc/kafka/server.properties": on_disk("PLAINTEXT://:9092"),
             "/etc/kafka/controller.properties": on_disk("CONTROLLER://:9093")}
    errors = kafka_security_errors(nodes, files, "/etc/kafka", "hadoop-master")
    assert len(errors) == 2, errors
    assert errors[1].startswith("kafka_security on hadoop-master: server (id 1) listens with PLAINTEXT, and this "
                                "inventory would write SSL only;")
    assert "Fix:" in errors[1]


def test_a_node_keeping_a_protocol_in_common_or_new_is_not_refused():
    cluster = model(hostvars(kafka_security="tls"))
    nodes = [node for node in cluster["nodes"] if node["host"] == "hadoop-master"]
    kept = {"/etc/kafka/server.properties": on_disk("PLAINTEXT://:9092,SSL://:9094",
                                                    "PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:SSL"),
            "/etc/kafka/controller.properties": on_disk("CONTROLLER://:9093", "CONTROLLER:SSL")}
    assert kafka_security_errors(nodes, kept, "/etc/kafka", "hadoop-master") == []
    assert kafka_security_errors(nodes, {}, "/etc/kafka", "hadoop-master") == []


@pytest.mark.parametrize(("settings", "reason"), [
    ({"security.protocol": "SASL_SSL"}, "security.protocol SASL_SSL is not spoken by the toolkit's modules"),
    ({"security.protocol": "SSL", "ssl.truststore.type": "JKS"}, "only a PEM truststore"),
])
def test_the_modules_refuse_what_they_cannot_speak(settings, reason):
    assert reason in kafka_protocol.use_client(settings)


def make_ca(tmp_path, name):
    """A CA and a certificate for localhost signed by it, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tmp_path / f"{name}.crt").write_bytes(ca.public_bytes(pem))
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / f"{name}-host.pem").write_bytes(key_pem + cert.public_bytes(pem))
    return tmp_path / f"{name}.crt", tmp_path / f"{name}-host.pem"


@pytest.fixture
def tls_server(tmp_path):
    """A loopback TLS listener answering one framed request with the payload b'pong'."""
    ca, host_pem = make_ca(tmp_path, "cluster-ca")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(host_pem)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def answer():
        for _ in range(3):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(4)
                    tls.sendall(b"\0\0\0\4pong")
            except (OSError, ssl.SSLError):
                pass

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield ca, server.getsockname()[1]
    server.close()
    kafka_protocol.use_client({})


def test_the_modules_speak_tls_and_check_the_servers_certificate(tmp_path, tls_server):
    ca, port = tls_server
    other_ca, _ = make_ca(tmp_path, "other-ca")
    settings = {"security.protocol": "SSL", "ssl.truststore.type": "PEM"}
    assert kafka_protocol.use_client({**settings, "ssl.truststore.location": str(ca)}) is None
    assert kafka_protocol.exchange(f"localhost:{port}", b"\0\0\0\0", timeout=5) == b"pong"
    # A listener whose certificate the CA file does not vouch for is unreachable, never trusted.
    kafka_protocol.use_client({**settings, "ssl.truststore.location": str(other_ca)})
    with pytest.raises(ssl.SSLCertVerificationError):
        kafka_protocol.exchange(f"localhost:{port}", b"\0\0\0\0", timeout=5)
    # A host not yet given the CA: unreachable too (an OSError, as the modules' callers expect).
    kafka_protocol.use_client({**settings, "ssl.truststore.location": str(tmp_path / "missing.crt")})
    with pytest.raises(FileNotFoundError):
        kafka_protocol.exchange(f"localhost:{port}", b"\0\0\0\0", timeout=5)
