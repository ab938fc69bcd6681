"""Outbound HTTP to addresses users typed in (webhooks, later importers), guarded against SSRF.

ARCHITECTURE §8: fetching a user-supplied URL must not reach the machine itself or the private
network behind it. So: http(s) only; the host is resolved once and every address it resolves
to must be public; the connection goes to the address we checked (no second lookup a rebinding
DNS server could answer differently) while the Host header and TLS SNI keep the name;
redirects are never followed; every socket operation has a timeout, the whole exchange a
deadline, and at most ``max_bytes`` of the response body are read.

Tests that talk to a receiver on 127.0.0.1 pass ``allow_private=True`` (callers read it from a
setting the tests override); everything else proves the block works.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class NetGuardError(Exception):
    """The request was not made or did not complete; ``str()`` says why, for the log."""


class BlockedAddress(NetGuardError):
    """The URL points at an address we refuse to contact (private, loopback, …)."""


class InvalidUrl(NetGuardError):
    """The URL is not an absolute http(s) URL we can send to."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path plus query, never empty


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes  # at most max_bytes
    truncated: bool


def address_blocked(ip: IPAddress) -> bool:
    """True for anything but a public unicast address (also IPv4 wrapped in IPv6)."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return address_blocked(mapped)
        if ip.teredo is not None:
            return True
    # is_global is False for private, loopback, link-local, reserved, unspecified, shared
    # (100.64/10) and documentation ranges; multicast can be "global", so it is checked too.
    return not ip.is_global or ip.is_multicast


def parse_target(url: str, *, allow_http: bool = True) -> Target:
    """Split ``url`` into what we connect to, refusing what we never send to."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(f"Not a valid URL: {exc}.") from None
    schemes = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in schemes:
        wanted = " or ".join(sorted(schemes))
        raise InvalidUrl(f"The URL must start with {wanted}://.")
    if not parts.hostname:
        raise InvalidUrl("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl("The URL must not contain a user name or password.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default_port, path)


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int, *, allow_private: bool) -> IPAddress:
    """The address to connect to; every address the name has must pass, not just the first,
    so a name answering with a public and a private address cannot be used to reach the
    private one on a later lookup."""
    literal = literal_ip(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise NetGuardError(f"Cannot resolve {host}: {exc}.") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise NetGuardError(f"{host} has no address.")
    if not allow_private:
        for ip in addresses:
            if address_blocked(ip):
                raise BlockedAddress(
                    f"{host} resolves to {ip}, a private or reserved address; refused."
                )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address chosen in advance; Host still carries the name."""

    def __init__(self, host: str, port: int, *, ip: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._ip), self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, ip: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((str(self._ip), self.port), self.timeout)
        # SNI and certificate checks use the name, not the address we pinned.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    allow_http: bool = True,
) -> HttpResponse:
    """POST ``body`` to ``url``; any status is returned (3xx included: never followed).

    Raises ``NetGuardError`` (or its subclasses) when no response could be had.
    """
    target = parse_target(url, allow_http=allow_http)
    ip = resolve(target.host, target.port, allow_private=allow_private)
    deadline = time.monotonic() + timeout * 2  # connect+send, then read: each bounded
    conn_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = conn_class(target.host, target.port, ip=ip, timeout=timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        while size < max_bytes:
            if time.monotonic() > deadline:
                raise NetGuardError(f"The response took longer than {timeout * 2:.0f}s.")
            chunk = response.read1(min(8192, max_bytes - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        truncated = size >= max_bytes and bool(response.read1(1))
        return HttpResponse(status=response.status, body=b"".join(chunks), truncated=truncated)
    except TimeoutError:
        raise NetGuardError(f"Timed out after {timeout:g}s.") from None
    except (OSError, http.client.HTTPException) as exc:
        raise NetGuardError(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
