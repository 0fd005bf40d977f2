"""The few pieces of the Kafka wire protocol the toolkit's modules speak: one request, one
response, over a plain socket or TLS; no JVM and no client library on the host."""

from __future__ import annotations

import socket
import ssl
import struct
import time
from collections.abc import Callable
from typing import Any


def uvarint(value: int) -> bytes:
    """An unsigned varint, as flexible message versions write lengths and counts."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class Reader:
    """Decodes the big-endian primitives of the protocol, classic and flexible."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def int8(self) -> int:
        return self._take(">b")

    def int16(self) -> int:
        return self._take(">h")

    def int32(self) -> int:
        return self._take(">i")

    def int64(self) -> int:
        return self._take(">q")

    def string(self) -> str | None:
        length = self.int16()
        if length < 0:
            return None
        value = self.data[self.pos:self.pos + length].decode("utf-8")
        self.pos += length
        return value

    def array(self, element: Callable[[], Any]) -> list:
        count = self.int32()
        return [element() for _ in range(max(count, 0))]

    def uvarint(self) -> int:
        shift = result = 0
        while True:
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def compact_string(self) -> str | None:
        length = self.uvarint() - 1
        if length < 0:
            return None
        value = self.data[self.pos:self.pos + length].decode("utf-8")
        self.pos += length
        return value

    def compact_array(self, element: Callable[[], Any]) -> list:
        count = self.uvarint() - 1
        return [element() for _ in range(max(count, 0))]

    def tagged_fields(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()
            self.pos += self.uvarint()


def encode_string(text: str | None) -> bytes:
    """A classic (non-flexible) nullable string."""
    if text is None:
        return struct.pack(">h", -1)
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def frame(api: int, version: int, number: int, body: bytes, client_id: str = "kafka-toolkit") -> bytes:
    """A request with a classic header (api key, version, correlation id, client id), length-prefixed."""
    payload = struct.pack(">hhi", api, version, number) + encode_string(client_id) + body
    return struct.pack(">i", len(payload)) + payload


def correlation_id() -> int:
    return int(time.time()) & 0x7FFFFFFF


def receive(conn: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = conn.recv(min(remaining, 65536))
        if not chunk:
            raise ConnectionError("connection closed by the server")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# How the listeners are reached: the client settings of the cluster's model (security.protocol
# and a PEM truststore, as in the hosts' client.properties), set once per module run.
_client: dict[str, Any] = {}


def use_client(settings: dict[str, Any] | None) -> str | None:
    """Speak the protocol the settings name from now on; the reason when they cannot be honoured."""
    settings = dict(settings or {})
    protocol = str(settings.get("security.protocol") or "PLAINTEXT").upper()
    if protocol not in ("PLAINTEXT", "SSL"):
        return f"security.protocol {protocol} is not spoken by the toolkit's modules (PLAINTEXT or SSL)"
    truststore = settings.get("ssl.truststore.location")
    if protocol == "SSL" and str(settings.get("ssl.truststore.type") or "PEM").upper() != "PEM":
        return "only a PEM truststore (ssl.truststore.type=PEM) is read"
    _client.clear()
    _client.update({"protocol": protocol, "cafile": truststore})
    return None


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    conn = socket.create_connection((host, port), timeout=timeout)
    if _client.get("protocol") != "SSL":
        return conn
    try:
        # Verified against the cluster's CA and the advertised name, as Kafka's own clients do.
        # A missing CA file is an OSError too: a node not yet given its certificates is unreachable.
        context = ssl.create_default_context(cafile=_client.get("cafile") or None)
        return context.wrap_socket(conn, server_hostname=host.strip("[]"))
    except BaseException:
        conn.close()
        raise


def exchange(address: str, request: bytes, timeout: float = 5.0) -> bytes:
    """Send one framed request to host:port and return the response's payload."""
    host, _, port = address.rpartition(":")
    with _connect(host, int(port), timeout) as conn:
        conn.sendall(request)
        (size,) = struct.unpack(">i", receive(conn, 4))
        return receive(conn, size)
