"""How a class reaches the app: the join address (the student page's URL on this laptop's network address), its QR
code, and the teacher's key that unlocks the teacher's buttons."""

from __future__ import annotations

import hmac
import io
import ipaddress
import secrets
from urllib.parse import urlsplit

import segno

# The student page's path in the app (see app.py).
JOIN_PATH = "join"
# The teacher's key: letters and digits nobody mistakes for another on a projector or a terminal.
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KEY_LENGTH = 8
LOCAL_HOSTS = ("localhost", "0.0.0.0", "::", "::1")


def is_local(host: str | None) -> bool:
    """True when `host` (a name or an address, maybe with a port) only reaches this machine: a phone cannot use it."""
    if not host:
        return True
    name = urlsplit(f"//{host}").hostname or host
    if name in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int | None = None, scheme: str = "http") -> str:
    """The app's address from a host (a name or an address, maybe with its port) and the server's port."""
    if "://" in host:
        return host.rstrip("/")
    try:
        if ipaddress.ip_address(host).version == 6:  # a bare IPv6 address goes in brackets
            host = f"[{host}]"
    except ValueError:  # a name, or an address with its port
        pass
    has_port = urlsplit(f"//{host}").port is not None
    return f"{scheme}://{host}" + ("" if has_port or port in (None, 80) else f":{port}")


def join_url(base: str) -> str:
    """The student page's address under the app's address `base`."""
    return f"{base.rstrip('/')}/{JOIN_PATH}"


def qr_png(url: str, scale: int = 12) -> bytes:
    """A QR code of `url` as PNG bytes (black on white, with the standard quiet zone), readable across a room."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that other devices on its networks can reach (none of them loopback)."""
    import psutil

    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.address)
            except ValueError:
                continue
            if ip.version == 4 and not (ip.is_loopback or ip.is_link_local):
                found.append(str(ip))
    return sorted(set(found))


def new_teacher_key() -> str:
    """A fresh teacher's key, e.g. "K7QM-3XPA"."""
    key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
    return f"{key[:4]}-{key[4:]}"


def is_teacher_key(typed: str | None, key: str) -> bool:
    """True when `typed` is the teacher's key (any case, spaces and dashes aside), compared in constant time."""

    def normal(text: str) -> bytes:
        return "".join(char for char in str(text).upper() if char.isalnum()).encode()

    return bool(typed) and hmac.compare_digest(normal(typed), normal(key))
