"""How the toolkit's Kafka clients reach brokers that speak TLS, SASL/SCRAM, or both.

Every command that talks to the brokers (the verifier, status, topics, rebalance) takes the same
options and gets its kafka-python settings from here, so that a cluster run with
``kafka_security: tls`` or ``sasl_tls`` is reached the same way by all of them, and so that the
SASL password is handled in one place: read from a file, the environment or a Java client
properties file (never from the command line, where ``ps`` shows it), handed to kafka-python and
to nothing else (no report, no message, no repr).

kafka-python retries a TLS handshake or a SASL exchange the brokers refused until its timeout
and then raises a bare timeout; ``watch_failures`` keeps what it logged on the way, so that a
command can say in one line why it could not connect.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import re
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka_verify.errors import BAD_ARGUMENTS, VerifyError

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
DEFAULT_MECHANISM = "SCRAM-SHA-512"
PASSWORD_ENV = "KAFKA_VERIFY_SASL_PASSWORD"  # noqa: S105 - the name of the variable
LOGIN_MODULES = {
    "org.apache.kafka.common.security.scram.ScramLoginModule": ("SCRAM-SHA-512", "SCRAM-SHA-256"),
    "org.apache.kafka.common.security.plain.PlainLoginModule": ("PLAIN",),
}
# Kafka's own default for ssl.truststore.type: a truststore named without a type is one of these.
JAVA_DEFAULT_STORE_TYPE = "JKS"
PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


# --- command line ---------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The security options every command with --bootstrap-servers takes."""
    group = parser.add_argument_group(
        "security", "How to reach brokers that speak TLS or SASL. Options given here win over --command-config. "
                    "A password is never taken on the command line (ps would show it).")
    group.add_argument("--security-protocol", type=str.upper, choices=PROTOCOLS,
                       help="how the clients talk to the brokers (default: security.protocol of --command-config, "
                            "else PLAINTEXT)")
    group.add_argument("--ca-file", metavar="PATH",
                       help="PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL); without it "
                            "and without a truststore in --command-config, the system's CAs")
    group.add_argument("--sasl-mechanism", type=str.upper, choices=MECHANISMS,
                       help=f"(SASL_SSL, SASL_PLAINTEXT) default: sasl.mechanism of --command-config, else "
                            f"{DEFAULT_MECHANISM}")
    group.add_argument("--sasl-username", metavar="NAME",
                       help="(SASL) default: the username of sasl.jaas.config in --command-config")
    group.add_argument("--sasl-password-file", metavar="PATH",
                       help=f"(SASL) file whose first line is the password; default: ${PASSWORD_ENV}, else the "
                            f"password of sasl.jaas.config in --command-config")
    group.add_argument("--command-config", metavar="PATH",
                       help="Java client properties, as Kafka's tools take with --command-config: "
                            "security.protocol, ssl.truststore.type=PEM with ssl.truststore.location or "
                            "ssl.truststore.certificates, sasl.mechanism, and sasl.jaas.config with "
                            "ScramLoginModule or PlainLoginModule")


# --- Java properties ------------------------------------------------------------------------------


def parse_properties(text: str) -> dict[str, str]:
    """The entries of a java.util.Properties file: # and ! comments, key=value, key: value and
    key value, backslash continuations and escapes. Raises ValueError (naming the key, never a
    value: a value may be a password) on a malformed \\uXXXX escape."""
    entries = {}
    for line in _logical_lines(text):
        raw_key, raw_value = _split_entry(line)
        key = _unescape(raw_key, "a key")
        entries[key] = _unescape(raw_value, f"the value of {key}")
    return entries


def _logical_lines(text: str) -> Iterator[str]:
    """Natural lines joined where a line ends in an odd number of backslashes; the next line's
    leading white space is dropped, as Java does. A comment is a whole natural line, and only
    where a logical line would begin."""
    pending: str | None = None
    for natural in re.split(r"\r\n|\r|\n", text):
        stripped = natural.lstrip(" \t\f")
        if pending is None:
            if not stripped or stripped[0] in "#!":
                continue
            pending = ""
        trailing = len(stripped) - len(stripped.rstrip("\\"))
        if trailing % 2:
            pending += stripped[:-1]
            continue
        yield pending + stripped
        pending = None
    if pending:
        yield pending


def _split_entry(line: str) -> tuple[str, str]:
    """The key ends at the first unescaped '=', ':' or white space; one '=' or ':' and the white
    space around it separate it from the value."""
    index = 0
    while index < len(line) and line[index] not in "=: \t\f":
        index += 2 if line[index] == "\\" else 1
    key, rest = line[:index], line[index:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return key, rest


def _unescape(text: str, what: str) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 == len(text):
            out.append(char)
            index += 1
            continue
        escaped = text[index + 1]
        if escaped == "u":
            digits = text[index + 2:index + 6]
            if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(f"malformed \\uXXXX escape in {what}")
            out.append(chr(int(digits, 16)))
            index += 6
            continue
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(escaped, escaped))
        index += 2
    return "".join(out)


# --- JAAS -----------------------------------------------------------------------------------------

_JAAS_TOKEN = re.compile(r"""\s*(?:
    (?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')  # "double" or 'single' quoted, with backslash escapes
    |(?P<punct>[=;])
    |(?P<word>[^\s=;"']+))""", re.DOTALL | re.VERBOSE)
_JAAS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def parse_jaas(text: str) -> tuple[str, dict[str, str]]:
    """The login module and its options of a one-module JAAS line, as Kafka reads
    sasl.jaas.config: ``Module required name="value" name='value' name=word;``. Raises ValueError
    saying what is wrong, never quoting the text (it holds a password)."""
    tokens = _jaas_tokens(text)
    if len(tokens) < 3 or tokens[0][0] != "word" or tokens[1][0] != "word" or tokens[-1] != ("punct", ";"):
        raise ValueError("is not a JAAS line (LoginModule flag name=\"value\" ... ;)")
    module, options, rest = tokens[0][1], {}, tokens[2:-1]
    while rest:
        if len(rest) < 3 or rest[0][0] != "word" or rest[1] != ("punct", "=") or rest[2][0] == "punct":
            raise ValueError("has an option that is not name=value")
        options[rest[0][1]] = rest[2][1]
        rest = rest[3:]
    return module, options


def _jaas_tokens(text: str) -> list[tuple[str, str]]:
    tokens, index, end = [], 0, len(text.rstrip())
    while index < end:
        match = _JAAS_TOKEN.match(text, index)
        if match is None:
            raise ValueError("has an unterminated quoted value")
        index = match.end()
        if match.group("quoted") is not None:
            tokens.append(("quoted", _jaas_unquote(match.group("quoted")[1:-1])))
        elif match.group("punct") is not None:
            tokens.append(("punct", match.group("punct")))
        else:
            tokens.append(("word", match.group("word")))
    return tokens


def _jaas_unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _JAAS_ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


# --- what the options and the file say ------------------------------------------------------------


@dataclass(frozen=True)
class ClientSecurity:
    """How the clients connect. The password is left out of repr: nothing that describes this
    object may show it."""

    protocol: str = "PLAINTEXT"
    ca_file: str | None = None
    mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def kwargs(self) -> dict[str, Any]:
        """kafka-python's keyword arguments; none at all for PLAINTEXT, so that a plaintext
        client is made exactly as before."""
        if self.protocol == "PLAINTEXT":
            return {}
        settings: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in TLS_PROTOCOLS:
            settings["ssl_check_hostname"] = True
            if self.ca_file:
                settings["ssl_cafile"] = self.ca_file
        if self.protocol in SASL_PROTOCOLS:
            settings.update(sasl_mechanism=self.mechanism, sasl_plain_username=self.username,
                            sasl_plain_password=self.password)
        return settings

    def describe(self) -> dict[str, Any]:
        """For a report: everything but the password."""
        shown: dict[str, Any] = {"protocol": self.protocol}
        if self.protocol in TLS_PROTOCOLS:
            shown["ca_file"] = self.ca_file or "system CAs"
        if self.protocol in SASL_PROTOCOLS:
            shown.update(sasl_mechanism=self.mechanism, sasl_username=self.username)
        return shown


@dataclass
class _FromFile:
    """What --command-config says, each item None when it says nothing of it."""

    path: str = ""
    protocol: str | None = None
    ca_file: str | None = None
    ca_inline: str | None = None
    mechanism: str | None = None
    login_module: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def client_settings(args: argparse.Namespace) -> dict[str, Any]:
    """kafka-python's keyword arguments for the security options of args (empty for plaintext).
    Raises VerifyError(BAD_ARGUMENTS) with a one-line reason for settings that cannot work."""
    return resolve(args).kwargs()


def resolve(args: argparse.Namespace) -> ClientSecurity:
    """The options, over --command-config, over the defaults; checked."""
    given = _read_command_config(args.command_config) if args.command_config else _FromFile()
    protocol = args.security_protocol or given.protocol or "PLAINTEXT"
    _refuse_unused_flags(args, protocol)
    ca_file = _ca_file(args, given) if protocol in TLS_PROTOCOLS else None
    if protocol not in SASL_PROTOCOLS:
        return ClientSecurity(protocol, ca_file)
    mechanism = args.sasl_mechanism or given.mechanism or DEFAULT_MECHANISM
    if given.login_module and mechanism not in LOGIN_MODULES[given.login_module]:
        raise VerifyError(BAD_ARGUMENTS, f"sasl.jaas.config in {given.path} uses "
                                         f"{given.login_module.rsplit('.', 1)[1]}, which does not do {mechanism}")
    username = args.sasl_username or given.username
    password = _password(args) or given.password
    if not username or not password:
        missing = " and ".join(what for what, value in (("a username", username), ("a password", password))
                               if not value)
        raise VerifyError(BAD_ARGUMENTS, f"{protocol} needs {missing}: --sasl-username and --sasl-password-file "
                                         f"(or ${PASSWORD_ENV}), or sasl.jaas.config in --command-config")
    return ClientSecurity(protocol, ca_file, mechanism, username, password)


def _ca_file(args: argparse.Namespace, given: _FromFile) -> str | None:
    if args.ca_file:
        _check_ca_file(args.ca_file, f"--ca-file {args.ca_file}")
        return args.ca_file
    if given.ca_inline:
        path = _inline_ca_file(given.ca_inline, given.path)
        _check_ca_file(path, f"ssl.truststore.certificates in {given.path}")
        return path
    if given.ca_file:
        _check_ca_file(given.ca_file, f"ssl.truststore.location {given.ca_file} in {given.path}")
    return given.ca_file


def _refuse_unused_flags(args: argparse.Namespace, protocol: str) -> None:
    """A flag the protocol would ignore is a mistake in the command line (a forgotten
    --security-protocol, most likely): say so rather than connect without it."""
    if args.ca_file and protocol not in TLS_PROTOCOLS:
        raise VerifyError(BAD_ARGUMENTS, f"--ca-file is only used with SSL or SASL_SSL, and the security protocol "
                                         f"is {protocol}; add --security-protocol")
    for flag, value in (("--sasl-username", args.sasl_username), ("--sasl-password-file", args.sasl_password_file),
                        ("--sasl-mechanism", args.sasl_mechanism)):
        if value and protocol not in SASL_PROTOCOLS:
            raise VerifyError(BAD_ARGUMENTS, f"{flag} is only used with SASL_SSL or SASL_PLAINTEXT, and the "
                                             f"security protocol is {protocol}; add --security-protocol")


def _password(args: argparse.Namespace) -> str | None:
    path = args.sasl_password_file
    if not path:
        return os.environ.get(PASSWORD_ENV) or None
    try:
        with open(path, encoding="utf-8") as handle:
            first = handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise VerifyError(BAD_ARGUMENTS, f"cannot read --sasl-password-file {path}: {_why(error)}") from None
    if not first:
        raise VerifyError(BAD_ARGUMENTS, f"--sasl-password-file {path} is empty (its first line is the password)")
    return first


def _read_command_config(path: str) -> _FromFile:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise VerifyError(BAD_ARGUMENTS, f"cannot read --command-config {path}: {_why(error)}") from None
    try:
        # Java reads ISO-8859-1 with \u escapes; UTF-8 is what people write today.
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        entries = parse_properties(text)
    except ValueError as error:
        raise VerifyError(BAD_ARGUMENTS, f"--command-config {path}: {error}") from None
    return _from_entries(entries, path)


def _from_entries(entries: Mapping[str, str], path: str) -> _FromFile:
    given = _FromFile(path)
    protocol = entries.get("security.protocol", "").strip().upper()
    if protocol and protocol not in PROTOCOLS:
        raise VerifyError(BAD_ARGUMENTS, f"security.protocol in {path} is {protocol!r}, not one of "
                                         f"{', '.join(PROTOCOLS)}")
    given.protocol = protocol or None
    mechanism = entries.get("sasl.mechanism", "").strip().upper()
    if mechanism and mechanism not in MECHANISMS:
        raise VerifyError(BAD_ARGUMENTS, f"sasl.mechanism in {path} is {mechanism!r}; only "
                                         f"{', '.join(MECHANISMS)} are supported")
    given.mechanism = mechanism or None
    given.ca_file, given.ca_inline = _truststore(entries, path)
    _refuse_keystore(entries, path)
    if entries.get("sasl.jaas.config", "").strip():
        given.login_module, given.username, given.password = _jaas_credentials(entries["sasl.jaas.config"], path)
    return given


def _truststore(entries: Mapping[str, str], path: str) -> tuple[str | None, str | None]:
    """(ssl.truststore.location, ssl.truststore.certificates) of a PEM truststore."""
    location = entries.get("ssl.truststore.location", "").strip()
    inline = entries.get("ssl.truststore.certificates", "").strip()
    if not location and not inline:
        return None, None
    kind = entries.get("ssl.truststore.type", "").strip().upper() or JAVA_DEFAULT_STORE_TYPE
    if kind != "PEM":
        unset = " (Kafka's default when ssl.truststore.type is unset)" if "ssl.truststore.type" not in entries else ""
        raise VerifyError(BAD_ARGUMENTS, f"the truststore in {path} is {kind}{unset}: only PEM truststores are "
                                         f"read; point ssl.truststore.location (with ssl.truststore.type=PEM) or "
                                         f"--ca-file at the CA's PEM file")
    if location and inline:
        raise VerifyError(BAD_ARGUMENTS, f"{path} sets both ssl.truststore.location and ssl.truststore.certificates;"
                                         f" Kafka takes one of them")
    return location or None, inline or None


def _refuse_keystore(entries: Mapping[str, str], path: str) -> None:
    keys = [key for key in ("ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.key")
            if entries.get(key, "").strip()]
    if keys:
        raise VerifyError(BAD_ARGUMENTS, f"{path} sets {keys[0]}: client certificates are not supported "
                                         f"(authenticate with SASL instead)")


def _jaas_credentials(text: str, path: str) -> tuple[str, str | None, str | None]:
    """(login module, username, password) of sasl.jaas.config."""
    try:
        module, options = parse_jaas(text)
    except ValueError as error:
        raise VerifyError(BAD_ARGUMENTS, f"sasl.jaas.config in {path} {error}") from None
    if module not in LOGIN_MODULES:
        known = " or ".join(name.rsplit(".", 1)[1] for name in LOGIN_MODULES)
        raise VerifyError(BAD_ARGUMENTS, f"sasl.jaas.config in {path} uses {module}; only {known} is read")
    return module, options.get("username") or None, options.get("password") or None


def _inline_ca_file(certificates: str, path: str) -> str:
    """ssl.truststore.certificates written out for kafka-python, which takes a file. Java's
    continuation lines join a certificate without its line breaks; OpenSSL needs them back."""
    blocks = ["".join(body.split()) for body in PEM_CERTIFICATE.findall(certificates)]
    if not blocks:
        raise VerifyError(BAD_ARGUMENTS, f"ssl.truststore.certificates in {path} holds no PEM certificate")
    pem = "".join("-----BEGIN CERTIFICATE-----\n"
                  + "".join(f"{body[start:start + 64]}\n" for start in range(0, len(body), 64))
                  + "-----END CERTIFICATE-----\n" for body in blocks)
    handle, name = tempfile.mkstemp(prefix="kafka-verify-ca-", suffix=".pem")  # mode 0600
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(pem)
    atexit.register(_remove, name)
    return name


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _check_ca_file(path: str, what: str) -> None:
    """Loaded as kafka-python will load it, so that a wrong file is refused here, by the name it
    was given, rather than as a handshake that fails much later."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=path)
    except ssl.SSLError:
        raise VerifyError(BAD_ARGUMENTS, f"{what} holds no PEM certificate") from None
    except OSError as error:
        raise VerifyError(BAD_ARGUMENTS, f"cannot read {what}: {_why(error)}") from None
    if not context.cert_store_stats().get("x509"):
        raise VerifyError(BAD_ARGUMENTS, f"{what} holds no PEM certificate")


def _why(error: BaseException) -> str:
    return getattr(error, "strerror", None) or error.__class__.__name__


# --- why a connection failed ----------------------------------------------------------------------


class FailureWatch(logging.Handler):
    """Keeps what kafka-python logs of refused handshakes and authentications while a client
    connects, for reason."""

    def __init__(self, protocol: str = "PLAINTEXT") -> None:
        super().__init__(logging.WARNING)
        self.protocol = protocol
        self.found: str | None = None
        self.closed = False

    def emit(self, record: logging.LogRecord) -> None:
        # Called on kafka-python's network thread: it must never raise nor block.
        with contextlib.suppress(Exception):
            for arg in record.args if isinstance(record.args, tuple) else ():
                if isinstance(arg, BaseException):
                    self.found = failure_reason(arg) or self.found
                    self.closed = self.closed or "socket disconnected" in str(arg)

    def unreachable(self, bootstrap: str, error: BaseException) -> str:
        """The line of a client that could not connect: why, or else what to check."""
        if self.reason:
            return f"cannot reach the cluster at {bootstrap}: {self.reason}"
        return (f"cannot reach the cluster at {bootstrap} ({error.__class__.__name__}); check the bootstrap servers, "
                f"that the brokers run and that their advertised.listeners resolve from here")

    @property
    def reason(self) -> str | None:
        """One line on why the connection failed, None when nothing tells TLS or SASL from any
        other failure (and always for PLAINTEXT, whose failures are none of these)."""
        if self.found or not self.closed or self.protocol == "PLAINTEXT":
            return self.found
        # kafka-python drops a response that arrives with the close that follows it, as the
        # brokers' refusal of a SASL authentication does: often only the close is seen.
        suspects = "a wrong username, password or mechanism, or " if self.protocol in SASL_PROTOCOLS else ""
        return (f"the brokers closed the connection while it was set up, without a reason kafka-python could read: "
                f"{suspects}a port that is not a {self.protocol} listener")


@contextlib.contextmanager
def watch_failures(settings: Mapping[str, Any] | None = None) -> Iterator[FailureWatch]:
    """While connecting with settings (client_settings): what kafka-python says of refused
    handshakes and authentications. kafka-python logs into a NullHandler of its own, so this
    changes no output."""
    watch = FailureWatch((settings or {}).get("security_protocol", "PLAINTEXT"))
    logger = logging.getLogger("kafka")
    logger.addHandler(watch)
    try:
        yield watch
    finally:
        logger.removeHandler(watch)


def failure_reason(error: BaseException) -> str | None:
    """One line for a TLS or SASL failure; None for any other error."""
    name = type(error).__name__
    text = str(error.args[0]) if error.args else ""
    if name == "IllegalSaslStateError":
        return "the listener does not take SASL (IllegalSaslStateError); check --security-protocol and the port"
    if name in ("SaslAuthenticationFailedError", "UnsupportedSaslMechanismError"):
        # kafka-python puts the broker's error name before the broker's message.
        detail = re.sub(r"^\w+Error: ", "", text) or name
        return f"SASL authentication failed: {detail}; check the username, the password and the mechanism"
    marker = "Handshake failed: "
    if marker in text:
        detail = re.sub(r" \(_ssl\.c:\d+\)$", "", re.sub(r"^\[SSL: \w+\] ", "", text.split(marker, 1)[1]))
        return f"TLS handshake failed: {detail}; {_tls_hint(detail)}"
    return None


def _tls_hint(detail: str) -> str:
    if "Hostname mismatch" in detail or "IP address mismatch" in detail:
        return "the brokers' certificates do not name the address connected to"
    if "certificate verify failed" in detail:
        return "the CA file is not the CA that signed the brokers' certificates"
    return "check that the port is a TLS listener (--security-protocol) and that the brokers' TLS settings work"


def redact(text: str, settings: Mapping[str, Any]) -> str:
    """text without the password, for messages built from exceptions, whose text is not ours."""
    password = settings.get("sasl_plain_password")
    return text.replace(password, "[password]") if password else text
