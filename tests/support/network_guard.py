"""Refuse every network connection that leaves the machine, so a test proves nothing downloads.

`install()` patches Python's socket layer in the calling interpreter: name look-ups and
connections are allowed only for loopback ("localhost", 127.0.0.0/8, ::1) and for non-IP
sockets (Unix sockets).  Jupyter kernels talk to their client over loopback ZeroMQ, which keeps
working.  Anything else raises `NetworkBlockedError` naming the address, so a notebook that tries
to download a dataset or weights fails at once with a message that says why.

The test suite installs it in its own process and, through `offline_site/sitecustomize.py`
(put on PYTHONPATH by the repository's conftest.py), in every Python process it starts: the nbval
kernels, the JupyterLab servers of the browser tests and their kernels.  It cannot stop a
non-Python program (curl, a browser) from using the network.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

MESSAGE = "network blocked by the workbook's offline test"
_INSTALLED_FLAG = "_workbook_network_guard"


class NetworkBlockedError(ConnectionRefusedError):
    """A connection or name look-up aimed outside the machine while the guard is on."""


def is_loopback(host: Any) -> bool:
    """True for hosts that stay on this machine: localhost, 127.x.x.x, ::1 (and None/"": local)."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%")[0]  # "[::1]", "fe80::1%eth0"
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    raise NetworkBlockedError(f"{MESSAGE}: {what} (nothing may be downloaded at run time; "
                              "only loopback connections are allowed)")


def _check_address(address: Any, action: str) -> None:
    """Refuse an AF_INET/AF_INET6 address tuple whose host is not loopback; others pass."""
    if isinstance(address, tuple) and address and not is_loopback(address[0]):
        _refuse(f"{action} {address[0]}:{address[1] if len(address) > 1 else '?'}")


def install() -> None:
    """Patch the socket module of this interpreter (idempotent)."""
    if getattr(socket, _INSTALLED_FLAG, False):
        return
    original_getaddrinfo = socket.getaddrinfo
    original_gethostbyname = socket.gethostbyname
    original_gethostbyname_ex = socket.gethostbyname_ex
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto

    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            _refuse(f"name look-up of {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host):
        if not is_loopback(host):
            _refuse(f"name look-up of {host!r}")
        return original_gethostbyname(host)

    def gethostbyname_ex(host):
        if not is_loopback(host):
            _refuse(f"name look-up of {host!r}")
        return original_gethostbyname_ex(host)

    def connect(self, address):
        _check_address(address, "connection to")
        return original_connect(self, address)

    def connect_ex(self, address):
        _check_address(address, "connection to")
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        _check_address(args[-1] if args else None, "datagram to")
        return original_sendto(self, data, *args)

    socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex = (
        getaddrinfo, gethostbyname, gethostbyname_ex)
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    setattr(socket, _INSTALLED_FLAG, True)
