"""SSRF guard: decides whether a URL's host may be fetched, by the addresses it resolves to.

Hand-written over ``ipaddress`` because no small library covers CGNAT, cloud metadata and
IPv4 addresses embedded in IPv6 together with an operator allow-list.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["AddressGuard", "address_problem"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Instance metadata endpoints (AWS, GCP, Azure, OpenStack share the v4 one; AWS Nitro the v6 one).
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden inside an IPv6 one (mapped, 6to4, NAT64), which is what gets reached."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched by default (None when it is a public unicast address)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return address_problem(inner)
    checks = (
        (ip in METADATA_ADDRESSES, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT, "carrier-grade NAT"),
        (ip.is_reserved, "reserved"),  # before private: Python counts 240.0.0.0/4 as both
        (ip.is_private, "private"),
        # Catch-all for documentation, benchmarking and other special-purpose ranges.
        (not ip.is_global, "not globally routable"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


#: What `--allow-private` opens: loopback and the private ranges — never link-local, where cloud metadata
#: services (169.254.169.254, fd00:ec2::254) live.
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")


class AddressGuard:
    """Refuses hosts that resolve to non-public addresses unless the operator allowed them.

    ``allow`` holds CIDR networks (``"10.0.0.0/8"``, ``"192.168.1.5"``) or host names
    (``"intranet.example"``, matched exactly, case-insensitive). An allowed host name skips the check.
    """

    def __init__(self, allow: Iterable[str] = (), allow_loopback: bool = False) -> None:
        networks: list[IPNetwork] = list(LOOPBACK_NETWORKS) if allow_loopback else []
        hosts: set[str] = set()
        for entry in allow:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(entry.strip().lower().rstrip("."))
        self._networks = tuple(networks)
        self._hosts = frozenset(hosts)
        # Every fetch asks about the same few addresses, twice (resolved, then connected to).
        self._verdicts: dict[IPAddress | str, str | None] = {}

    def host_allowed(self, host: str) -> bool:
        """True when the operator allowed this host name outright (no address check)."""
        return host.lower().rstrip(".") in self._hosts

    def ip_problem(self, ip: IPAddress | str) -> str | None:
        """Why a connection to ``ip`` is refused, or None when it is allowed."""
        try:
            return self._verdicts[ip]
        except KeyError:
            pass
        verdict = self._ip_problem(ip)
        if len(self._verdicts) >= 4096:
            self._verdicts.clear()
        self._verdicts[ip] = verdict
        return verdict

    def _ip_problem(self, ip: IPAddress | str) -> str | None:
        addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        candidates = [a for a in (addr, _embedded_ipv4(addr)) if a is not None]
        if any(a.version == n.version and a in n for a in candidates for n in self._networks):
            return None
        reason = address_problem(addr)
        return f"{reason} address {addr}" if reason else None

    async def check(self, url: str) -> str | None:
        """None when ``url`` may be fetched, else a one-line reason.

        A name that does not resolve is not refused here: the fetch itself reports ``dns``.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            return f"unparseable URL: {exc}"
        if not host:
            return "URL has no host"
        if self.host_allowed(host):
            return None
        for ip in await self._resolve(host, port or (443 if parts.scheme == "https" else 80)):
            problem = self.ip_problem(ip)
            if problem:
                return problem if _is_ip_literal(host) else f"{host} resolves to {problem}"
        return None

    @staticmethod
    async def _resolve(host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []
        # Scope ids ("fe80::1%eth0") are stripped: the scope does not change the address class.
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
