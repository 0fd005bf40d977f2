"""Client security: the Java properties and JAAS a --command-config holds, which setting wins,
what is refused and why, the kafka-python arguments each protocol gives, that every client the
commands make gets them, and that the password shows nowhere. (The real-broker runs are the
archive smoke test's: tools/archives/smoke_security.py.)"""

import datetime
import json
import logging
import os
import ssl
import stat

import pytest
import test_cli

from kafka_verify import cli, rebalance, security, status, topics, workload
from kafka_verify.errors import BAD_ARGUMENTS, UNREACHABLE, VerifyError

# The verifier against the fake cluster and workload of test_cli.py.
fake = test_cli.fake

PASSWORD = "Pw-7f3a9c-never-shown"  # distinctive: any output that holds it is found
SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule"


@pytest.fixture(scope="module")
def ca_pem():
    """A self-signed CA certificate in PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unit CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def ca_file(tmp_path, ca_pem):
    path = tmp_path / "ca.pem"
    path.write_text(ca_pem)
    return str(path)


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return str(path)


@pytest.fixture(autouse=True)
def no_password_in_environment(monkeypatch):
    monkeypatch.delenv(security.PASSWORD_ENV, raising=False)


def parse(*argv):
    return cli.build_parser().parse_args(list(argv))


def properties(tmp_path, text, name="client.properties"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def refusal(*argv):
    with pytest.raises(VerifyError) as caught:
        security.client_settings(parse(*argv))
    assert caught.value.code == BAD_ARGUMENTS
    assert "\n" not in caught.value.message
    assert PASSWORD not in caught.value.message
    return caught.value.message


# --- Java properties -------------------------------------------------------------------------------


def test_properties_separators_and_comments():
    text = "# a comment\n! another\n  a = 1\nb: 2\nc 3\nd=x=y\ne\n\n  # indented comment\n"
    assert security.parse_properties(text) == {"a": "1", "b": "2", "c": "3", "d": "x=y", "e": ""}


def test_properties_continuations_drop_the_next_lines_leading_space():
    text = "a=one \\\n    two\\\n\tthree\nb=x\\\\\nc=y\\\\\\\n  z\n"
    assert security.parse_properties(text) == {"a": "one twothree", "b": "x\\", "c": "y\\z"}


def test_properties_a_continuation_ends_at_a_blank_line_and_a_comment_line_never_continues():
    text = "a=1\\\n\nb=2\n# c=3\\\nd=4\ne=5\\\n# not a comment\n"
    assert security.parse_properties(text) == {"a": "1", "b": "2", "d": "4", "e": "5# not a comment"}


def test_properties_escapes():
    text = "key\\ with\\=odd\\:chars = \\u0041\\t\\n\\\\\\q\r\nlast:\\u00e9\r"
    assert security.parse_properties(text) == {"key with=odd:chars": "A\t\n\\q", "last": "é"}


def test_a_malformed_unicode_escape_names_the_key_not_the_value():
    with pytest.raises(ValueError, match=r"the value of sasl.jaas.config") as caught:
        security.parse_properties(f'sasl.jaas.config=x password="{PASSWORD}\\u12";')
    assert PASSWORD not in str(caught.value)


# --- JAAS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    f'{SCRAM} required username="admin" password="{PASSWORD}";',
    f"{SCRAM} required username='admin' password='{PASSWORD}';",
    f"{SCRAM}   required\n  username=admin\n  password = \"{PASSWORD}\" ;",
])
def test_jaas_options_in_either_quote_style(line):
    assert security.parse_jaas(line) == (SCRAM, {"username": "admin", "password": PASSWORD})


def test_jaas_quoted_values_keep_what_would_end_a_word():
    line = f"{PLAIN} required username=\"a \\\"b\\\"\" password='p;w=x \\'y\\' \\\\';"
    assert security.parse_jaas(line) == (PLAIN, {"username": 'a "b"', "password": "p;w=x 'y' \\"})


@pytest.mark.parametrize(("line", "reason"), [
    (f'{SCRAM} required username="admin" password="{PASSWORD}"', "is not a JAAS line"),
    (f'{SCRAM} required username="admin" password="{PASSWORD};', "unterminated"),
    (f'{SCRAM} required username "admin" password="{PASSWORD}";', "not name=value"),
])
def test_a_bad_jaas_line_is_refused_without_quoting_it(line, reason):
    with pytest.raises(ValueError, match=reason) as caught:
        security.parse_jaas(line)
    assert PASSWORD not in str(caught.value)


# --- what each protocol gives kafka-python ---------------------------------------------------------


def test_plaintext_gives_no_arguments_at_all():
    assert security.client_settings(parse()) == {}
    assert security.client_settings(parse("--security-protocol", "plaintext")) == {}


def test_ssl(ca_file):
    assert security.client_settings(parse("--security-protocol", "SSL", "--ca-file", ca_file)) == {
        "security_protocol": "SSL", "ssl_check_hostname": True, "ssl_cafile": ca_file}


def test_ssl_without_a_ca_file_trusts_the_systems_cas():
    assert security.client_settings(parse("--security-protocol", "SSL")) == {
        "security_protocol": "SSL", "ssl_check_hostname": True}


def test_sasl_ssl(ca_file, password_file):
    settings = security.client_settings(parse("--security-protocol", "SASL_SSL", "--ca-file", ca_file,
                                              "--sasl-username", "admin", "--sasl-password-file", password_file))
    assert settings == {"security_protocol": "SASL_SSL", "ssl_check_hostname": True, "ssl_cafile": ca_file,
                        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "admin",
                        "sasl_plain_password": PASSWORD}


def test_sasl_plaintext_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv(security.PASSWORD_ENV, PASSWORD)
    settings = security.client_settings(parse("--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism",
                                              "scram-sha-256", "--sasl-username", "admin"))
    assert settings == {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-256",
                        "sasl_plain_username": "admin", "sasl_plain_password": PASSWORD}


def test_everything_from_a_command_config(tmp_path, ca_file):
    path = properties(tmp_path, f"security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n"
                                f"ssl.truststore.type=PEM\nssl.truststore.location={ca_file}\n"
                                f"sasl.jaas.config={SCRAM} required \\\n    username=\"admin\" \\\n"
                                f"    password=\"{PASSWORD}\";\n")
    assert security.client_settings(parse("--command-config", path)) == {
        "security_protocol": "SASL_SSL", "ssl_check_hostname": True, "ssl_cafile": ca_file,
        "sasl_mechanism": "SCRAM-SHA-256", "sasl_plain_username": "admin", "sasl_plain_password": PASSWORD}


def test_inline_truststore_certificates_become_a_private_file(tmp_path, ca_pem):
    # As a properties file holds them: continuation lines, so the PEM's line breaks are gone.
    body = "\\\n  ".join(ca_pem.strip().splitlines())
    path = properties(tmp_path, f"security.protocol=SSL\nssl.truststore.type=PEM\n"
                                f"ssl.truststore.certificates={body}\n")
    settings = security.client_settings(parse("--command-config", path))
    written = settings["ssl_cafile"]
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert open(written).read() == ca_pem  # noqa: SIM115
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=written)


# --- which setting wins --------------------------------------------------------------------------


@pytest.fixture
def full_config(tmp_path, ca_file):
    return properties(tmp_path, f"security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n"
                                f"ssl.truststore.type=PEM\nssl.truststore.location={ca_file}\n"
                                f"sasl.jaas.config={SCRAM} required username='file-user' password='file-pw';\n")


def test_flags_win_over_the_command_config(tmp_path, full_config, ca_pem, password_file):
    other_ca = properties(tmp_path, ca_pem, "other-ca.pem")
    settings = security.client_settings(parse("--command-config", full_config, "--ca-file", other_ca,
                                              "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", "flag-user",
                                              "--sasl-password-file", password_file))
    assert (settings["ssl_cafile"], settings["sasl_mechanism"], settings["sasl_plain_username"],
            settings["sasl_plain_password"]) == (other_ca, "SCRAM-SHA-512", "flag-user", PASSWORD)
    assert security.client_settings(parse("--command-config", full_config, "--security-protocol", "SSL",
                                          ))["security_protocol"] == "SSL"


def test_the_password_file_wins_over_the_environment_which_wins_over_the_jaas_line(monkeypatch, full_config,
                                                                                    password_file):
    monkeypatch.setenv(security.PASSWORD_ENV, "from-the-environment")
    with_file = parse("--command-config", full_config, "--sasl-password-file", password_file)
    assert security.client_settings(with_file)["sasl_plain_password"] == PASSWORD
    assert security.client_settings(parse("--command-config", full_config))["sasl_plain_password"] == \
        "from-the-environment"
    monkeypatch.delenv(security.PASSWORD_ENV)
    assert security.client_settings(parse("--command-config", full_config))["sasl_plain_password"] == "file-pw"


def test_only_the_first_line_of_the_password_file_is_the_password(tmp_path):
    path = properties(tmp_path, f"{PASSWORD}\r\nsecond line\n", "password")
    settings = security.client_settings(parse("--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "u",
                                              "--sasl-password-file", path))
    assert settings["sasl_plain_password"] == PASSWORD


# --- refusals ------------------------------------------------------------------------------------


def test_sasl_needs_a_username_and_a_password(password_file):
    assert refusal("--security-protocol", "SASL_SSL") == (
        "SASL_SSL needs a username and a password: --sasl-username and --sasl-password-file "
        "(or $KAFKA_VERIFY_SASL_PASSWORD), or sasl.jaas.config in --command-config")
    assert refusal("--security-protocol", "SASL_SSL", "--sasl-username", "admin").startswith(
        "SASL_SSL needs a password:")
    assert refusal("--security-protocol", "SASL_PLAINTEXT", "--sasl-password-file", password_file).startswith(
        "SASL_PLAINTEXT needs a username:")


def test_a_password_file_that_is_missing_or_empty(tmp_path):
    assert refusal("--security-protocol", "SASL_SSL", "--sasl-username", "u", "--sasl-password-file",
                   str(tmp_path / "nope")) == \
        f"cannot read --sasl-password-file {tmp_path / 'nope'}: No such file or directory"
    empty = properties(tmp_path, "\nsecond\n", "empty")
    assert refusal("--security-protocol", "SASL_SSL", "--sasl-username", "u", "--sasl-password-file", empty) == \
        f"--sasl-password-file {empty} is empty (its first line is the password)"


def test_a_ca_file_that_is_missing_unreadable_or_without_a_certificate(tmp_path, ca_pem):
    missing = str(tmp_path / "missing.pem")
    assert refusal("--security-protocol", "SSL", "--ca-file", missing) == \
        f"cannot read --ca-file {missing}: No such file or directory"
    assert refusal("--security-protocol", "SSL", "--ca-file", str(tmp_path)).startswith(
        f"cannot read --ca-file {tmp_path}: ")
    key_only = properties(tmp_path, "-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n", "key.pem")
    assert refusal("--security-protocol", "SASL_SSL", "--ca-file", key_only) == \
        f"--ca-file {key_only} holds no PEM certificate"
    empty = properties(tmp_path, "", "empty.pem")
    assert refusal("--security-protocol", "SSL", "--ca-file", empty) == f"--ca-file {empty} holds no PEM certificate"
    truststore = properties(tmp_path, f"security.protocol=SSL\nssl.truststore.type=PEM\n"
                                      f"ssl.truststore.location={missing}\n")
    assert refusal("--command-config", truststore) == \
        f"cannot read ssl.truststore.location {missing} in {truststore}: No such file or directory"


@pytest.mark.parametrize(("lines", "kind"), [
    ("ssl.truststore.type=JKS\nssl.truststore.location=/etc/kafka/truststore.jks\n", "JKS"),
    ("ssl.truststore.type=pkcs12\nssl.truststore.location=/etc/kafka/truststore.p12\n", "PKCS12"),
    ("ssl.truststore.location=/etc/kafka/truststore.jks\n", "JKS (Kafka's default when ssl.truststore.type is unset)"),
])
def test_only_pem_truststores_are_read(tmp_path, lines, kind):
    path = properties(tmp_path, "security.protocol=SSL\n" + lines)
    assert refusal("--command-config", path) == (
        f"the truststore in {path} is {kind}: only PEM truststores are read; point ssl.truststore.location "
        f"(with ssl.truststore.type=PEM) or --ca-file at the CA's PEM file")


def test_unknown_protocols_and_mechanisms(tmp_path, capsys):
    path = properties(tmp_path, "security.protocol=TLS\n")
    assert refusal("--command-config", path) == \
        f"security.protocol in {path} is 'TLS', not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"
    path = properties(tmp_path, "security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n")
    assert refusal("--command-config", path) == \
        f"sasl.mechanism in {path} is 'GSSAPI'; only SCRAM-SHA-512, SCRAM-SHA-256, PLAIN are supported"
    with pytest.raises(SystemExit) as exited:
        parse("--security-protocol", "TLS")
    assert exited.value.code == BAD_ARGUMENTS
    assert "invalid choice: 'TLS'" in capsys.readouterr().err


def test_login_modules_other_than_scram_and_plain_and_ones_that_do_not_fit_the_mechanism(tmp_path):
    path = properties(tmp_path, "security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security."
                                f"oauthbearer.OAuthBearerLoginModule required password=\"{PASSWORD}\";\n")
    assert refusal("--command-config", path) == (
        f"sasl.jaas.config in {path} uses org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule; "
        f"only ScramLoginModule or PlainLoginModule is read")
    path = properties(tmp_path, f"security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                                f"sasl.jaas.config={PLAIN} required username=u password=\"{PASSWORD}\";\n")
    assert refusal("--command-config", path) == f"sasl.jaas.config in {path} uses PlainLoginModule, which does not " \
                                                f"do SCRAM-SHA-512"
    assert security.client_settings(parse("--command-config", path, "--sasl-mechanism", "PLAIN"))[
        "sasl_mechanism"] == "PLAIN"


def test_a_bad_jaas_line_in_a_command_config(tmp_path):
    path = properties(tmp_path, f"security.protocol=SASL_SSL\nsasl.jaas.config={SCRAM} required "
                                f"password=\"{PASSWORD}\"\n")
    assert refusal("--command-config", path).startswith(f"sasl.jaas.config in {path} is not a JAAS line")


def test_client_certificates_are_refused(tmp_path):
    path = properties(tmp_path, "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location=/k.pem\n")
    assert refusal("--command-config", path) == \
        f"{path} sets ssl.keystore.location: client certificates are not supported (authenticate with SASL instead)"


def test_flags_the_protocol_would_ignore_are_refused(ca_file, password_file):
    assert refusal("--ca-file", ca_file) == ("--ca-file is only used with SSL or SASL_SSL, and the security protocol "
                                             "is PLAINTEXT; add --security-protocol")
    assert refusal("--security-protocol", "SSL", "--sasl-password-file", password_file).startswith(
        "--sasl-password-file is only used with SASL_SSL or SASL_PLAINTEXT, and the security protocol is SSL")


def test_a_missing_command_config(tmp_path):
    assert refusal("--command-config", str(tmp_path / "nope.properties")) == \
        f"cannot read --command-config {tmp_path / 'nope.properties'}: No such file or directory"


# --- the password shows nowhere ------------------------------------------------------------------


def test_help_offers_no_password_flag_and_shows_no_password(monkeypatch, capsys):
    monkeypatch.setenv(security.PASSWORD_ENV, PASSWORD)
    for main in (cli.main, status.main, topics.main, rebalance.main):
        with pytest.raises(SystemExit):
            main(["--help"])
        shown = capsys.readouterr().out
        for flag in ("--security-protocol", "--ca-file", "--sasl-mechanism", "--sasl-username",
                     "--sasl-password-file", "--command-config", "KAFKA_VERIFY_SASL_PASSWORD"):
            assert flag in shown, (main, flag)
        assert "--sasl-password " not in shown
        assert PASSWORD not in shown


def test_the_chosen_settings_show_everything_but_the_password(ca_file, password_file):
    chosen = security.resolve(parse("--security-protocol", "SASL_SSL", "--ca-file", ca_file, "--sasl-username",
                                    "admin", "--sasl-password-file", password_file))
    assert PASSWORD not in repr(chosen)
    assert chosen.describe() == {"protocol": "SASL_SSL", "ca_file": ca_file, "sasl_mechanism": "SCRAM-SHA-512",
                                 "sasl_username": "admin"}


def test_redact():
    assert security.redact(f"boom {PASSWORD}!", {"sasl_plain_password": PASSWORD}) == "boom [password]!"
    assert security.redact("boom", {}) == "boom"


# --- why a connection failed ---------------------------------------------------------------------


def test_tls_and_sasl_failures_in_one_line():
    from kafka.errors import IllegalSaslStateError, KafkaConnectionError, SaslAuthenticationFailedError

    verify = KafkaConnectionError("Handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                  "unable to get local issuer certificate (_ssl.c:1006)")
    assert security.failure_reason(verify) == (
        "TLS handshake failed: certificate verify failed: unable to get local issuer certificate; the CA file is "
        "not the CA that signed the brokers' certificates")
    name = KafkaConnectionError("Handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                "Hostname mismatch, certificate is not valid for 'kafka1'. (_ssl.c:1006)")
    assert security.failure_reason(name).endswith("the brokers' certificates do not name the address connected to")
    plain_port = KafkaConnectionError("Handshake failed: [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in "
                                      "violation of protocol (_ssl.c:1006)")
    assert "is a TLS listener" in security.failure_reason(plain_port)
    refused = SaslAuthenticationFailedError("SaslAuthenticationFailedError: Authentication failed during "
                                            "authentication due to invalid credentials with SASL mechanism "
                                            "SCRAM-SHA-512")
    assert security.failure_reason(refused) == (
        "SASL authentication failed: Authentication failed during authentication due to invalid credentials with "
        "SASL mechanism SCRAM-SHA-512; check the username, the password and the mechanism")
    assert security.failure_reason(IllegalSaslStateError()).startswith("the listener does not take SASL")
    assert security.failure_reason(KafkaConnectionError("socket disconnected")) is None
    assert security.failure_reason(OSError(111, "Connection refused")) is None


def test_the_watch_keeps_the_telling_failure_over_later_disconnects():
    from kafka.errors import KafkaConnectionError, SaslAuthenticationFailedError

    log = logging.getLogger("kafka.net.manager")
    with security.watch_failures({"security_protocol": "SASL_SSL"}) as watch:
        log.warning("Bootstrap connection to %s failed: %s", "bootstrap-0",
                    SaslAuthenticationFailedError("SaslAuthenticationFailedError: bad credentials"))
        log.warning("Bootstrap connection to %s failed: %s", "bootstrap-0", KafkaConnectionError("socket disconnected"))
    assert watch.reason.startswith("SASL authentication failed: bad credentials")
    assert watch not in logging.getLogger("kafka").handlers


def test_the_watch_says_what_a_silent_close_may_mean():
    from kafka.errors import KafkaConnectionError

    log = logging.getLogger("kafka.net.connection")
    for protocol, suspects in (("SASL_SSL", "a wrong username, password or mechanism, or a port that is not a "
                                            "SASL_SSL listener"), ("SSL", "a port that is not a SSL listener")):
        with security.watch_failures({"security_protocol": protocol}) as watch:
            log.error("%s: Connection lost: %s", "conn", KafkaConnectionError("socket disconnected"))
        assert watch.reason.endswith(suspects)
    with security.watch_failures({}) as watch:
        log.error("%s: Connection lost: %s", "conn", KafkaConnectionError("socket disconnected"))
    assert watch.reason is None


# --- every client gets the settings --------------------------------------------------------------


class Recorder:
    """Stands in for a kafka-python client class: records the keyword arguments of each one made."""

    def __init__(self, fail=None):
        self.made = []
        self.fail = fail

    def __call__(self, **config):
        self.made.append(config)
        if self.fail:
            logging.getLogger("kafka.net.manager").warning("Bootstrap connection to %s failed: %s", "b", self.fail)
            from kafka.errors import KafkaTimeoutError
            raise KafkaTimeoutError("Unable to bootstrap")
        return self


SASL = {"security_protocol": "SASL_SSL", "ssl_check_hostname": True, "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "admin", "sasl_plain_password": PASSWORD}


def test_the_verifiers_admin_client_gets_the_settings_and_nothing_more_for_plaintext(monkeypatch):
    import kafka

    made = Recorder()
    monkeypatch.setattr(kafka, "KafkaAdminClient", made)
    made.describe_cluster = lambda: {"brokers": []}
    verifier = cli.Verifier(parse())
    verifier.connect()
    verifier.client_settings = SASL
    verifier.connect()
    plain, secure = made.made
    assert set(plain) == {"bootstrap_servers", "client_id", "request_timeout_ms", "bootstrap_timeout_ms"}
    assert secure == {**plain, **SASL}


def test_the_verifier_says_why_tls_failed_and_shows_no_password(monkeypatch):
    import kafka
    from kafka.errors import KafkaConnectionError

    monkeypatch.setattr(kafka, "KafkaAdminClient", Recorder(fail=KafkaConnectionError(
        "Handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
        "certificate (_ssl.c:1006)")))
    verifier = cli.Verifier(parse("--bootstrap-servers", "k1:9093"))
    verifier.client_settings = SASL
    with pytest.raises(VerifyError) as caught:
        verifier.connect()
    assert caught.value.code == UNREACHABLE
    assert caught.value.message == (
        "cannot reach the cluster at k1:9093: TLS handshake failed: certificate verify failed: unable to get local "
        "issuer certificate; the CA file is not the CA that signed the brokers' certificates")


def test_producers_and_consumers_get_the_settings(monkeypatch):
    import kafka

    producers, consumers = Recorder(), Recorder()
    monkeypatch.setattr(kafka, "KafkaProducer", producers)
    monkeypatch.setattr(kafka, "KafkaConsumer", consumers)
    workload.Producer(["b:9093"], "run1", 100, 10_000, security=SASL)
    workload.Producer(["b:9093"], "run1", 100, 10_000)
    assert producers.made[0] == {**producers.made[1], **SASL}
    assert not set(SASL) & set(producers.made[1])
    consumers.assign = consumers.seek = lambda *args: None
    workload._reader(["b:9093"], "run1", {}, {}, SASL)
    consumers.commit = consumers.close = lambda *args, **kwargs: None
    workload.commit_positions(["b:9093"], "run1", "g", {"tp": 5}, security=SASL)
    for made in consumers.made:
        assert {key: made[key] for key in SASL} == SASL


def verify(capsys, *args):
    code = cli.main(["--json", "--topics", "1", "--wait-healthy", "0", *args])
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err
    return code, json.loads(captured.out)


def test_a_verifier_run_gives_every_client_the_settings_and_reports_them_without_the_password(
        fake, capsys, ca_file, password_file):
    code, report = verify(capsys, "--security-protocol", "SASL_SSL", "--ca-file", ca_file, "--sasl-username", "admin",
                          "--sasl-password-file", password_file)
    assert code == 0, report["reason"]
    assert report["security"] == {"protocol": "SASL_SSL", "ca_file": ca_file, "sasl_mechanism": "SCRAM-SHA-512",
                                  "sasl_username": "admin"}
    assert len(fake.security) == 3
    assert all(given["sasl_plain_password"] == PASSWORD for given in fake.security)


def test_a_plaintext_run_reports_as_before(fake, capsys):
    code, report = verify(capsys)
    assert code == 0, report["reason"]
    assert "security" not in report
    assert fake.security == [{}, {}, {}]


def test_a_refused_setting_is_bad_arguments_in_the_report(fake, capsys, tmp_path):
    path = properties(tmp_path, f"security.protocol=SASL_SSL\nssl.truststore.type=JKS\n"
                                f"ssl.truststore.location=/t.jks\nsasl.jaas.config={SCRAM} required "
                                f"username=admin password=\"{PASSWORD}\";\n")
    code, report = verify(capsys, "--command-config", path)
    assert code == BAD_ARGUMENTS
    assert report["reason"].startswith(f"the truststore in {path} is JKS: only PEM truststores are read")


def test_an_unexpected_error_never_shows_the_password(fake, capsys, monkeypatch, password_file):
    def broken(*args, **kwargs):
        raise RuntimeError(f"config was {SASL}")

    monkeypatch.setattr(workload, "end_offsets", broken)
    code, report = verify(capsys, "--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "admin",
                          "--sasl-password-file", password_file)
    assert code == 4
    assert "[password]" in report["reason"]


def test_status_gives_its_admin_client_the_settings_and_refuses_bad_ones(monkeypatch, capsys, tmp_path, ca_file):
    seen = []

    def collect(args, settings=None):
        seen.append(settings)
        raise RuntimeError("stop here")

    monkeypatch.setattr(status, "collect", collect)
    status.main(["--security-protocol", "SSL", "--ca-file", ca_file, "--json"])
    assert seen == [{"security_protocol": "SSL", "ssl_check_hostname": True, "ssl_cafile": ca_file}]
    capsys.readouterr()
    missing = str(tmp_path / "missing.pem")
    assert status.main(["--security-protocol", "SSL", "--ca-file", missing]) == BAD_ARGUMENTS
    assert capsys.readouterr().err == \
        f"kafka-verify status: bad arguments: cannot read --ca-file {missing}: No such file or directory\n"


def test_status_connect_passes_the_settings(monkeypatch):
    import kafka

    made = Recorder()
    monkeypatch.setattr(kafka, "KafkaAdminClient", made)
    status.connect(["b:9093"], 5.0, SASL)
    status.connect(["b:9093"], 5.0)
    assert made.made[0] == {**made.made[1], **SASL}


def test_topics_and_rebalance_pass_the_settings_and_refuse_bad_ones(monkeypatch, capsys, tmp_path, password_file):
    import kafka

    made = Recorder()
    made.describe_cluster = lambda: {"brokers": [{"broker_id": 1}]}
    made.describe_topics = lambda *args: []
    made.list_topics = lambda: []
    made.close = lambda: None
    monkeypatch.setattr(kafka, "KafkaAdminClient", made)
    spec = properties(tmp_path, "[]", "spec.json")
    secure = ["--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "admin", "--sasl-password-file",
              password_file]
    assert topics.main(["--bootstrap-servers", "b:9092", "--spec", spec, "--check", *secure]) == 0
    assert rebalance.main(["--bootstrap-servers", "b:9092", *secure]) == 0
    assert [given["sasl_plain_password"] for given in made.made] == [PASSWORD, PASSWORD]
    capsys.readouterr()
    assert topics.main(["--bootstrap-servers", "b:9092", "--spec", spec, "--security-protocol", "SASL_SSL"]) == \
        BAD_ARGUMENTS
    assert json.loads(capsys.readouterr().out)["errors"][0].startswith("SASL_SSL needs a username and a password")
    assert rebalance.main(["--bootstrap-servers", "b:9092", "--security-protocol", "SASL_SSL"]) == BAD_ARGUMENTS
    assert json.loads(capsys.readouterr().out)["error"].startswith("SASL_SSL needs a username and a password")
