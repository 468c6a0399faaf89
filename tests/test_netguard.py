"""AddressGuard: which addresses are refused, the allow-list, and real resolution of localhost."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memoryhole.netguard import AddressGuard, address_problem

ipv4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
ipv6 = st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)


def check(url: str, **kw) -> str | None:
    return asyncio.run(AddressGuard(**kw).check(url))


@given(ipv4)
def test_ipv4_refused_exactly_when_not_global(ip):
    problem = address_problem(ip)
    if ip in ipaddress.ip_network("100.64.0.0/10"):
        assert problem == "carrier-grade NAT"
    elif ip.is_global and not ip.is_multicast and not ip.is_reserved:
        assert problem is None
    else:
        assert problem is not None


@given(ipv4)
def test_ipv4_mapped_ipv6_judged_like_ipv4(ip):
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert address_problem(mapped) == address_problem(ip)


@given(ipv6)
def test_ipv6_public_only_when_global(ip):
    if ip.ipv4_mapped or ip.sixtofour or ip in ipaddress.ip_network("64:ff9b::/96"):
        return  # judged by the embedded IPv4 address (previous test)
    public = ip.is_global and not ip.is_multicast and not ip.is_reserved
    assert (address_problem(ip) is None) == public


@given(st.integers(0, 2**24 - 1).map(lambda n: ipaddress.IPv4Address((10 << 24) + n)))
def test_allow_list_cidr_lets_private_through(ip):
    guard = AddressGuard(allow=["10.0.0.0/8"])
    assert guard.ip_problem(ip) is None
    assert AddressGuard().ip_problem(ip) == f"private address {ip}"


@pytest.mark.parametrize(
    "address,reason",
    [
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("100.100.100.200", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 wrapping 169.254.169.254
    ],
)
def test_named_reasons(address, reason):
    assert address_problem(ipaddress.ip_address(address)) == reason


def test_public_literals_pass():
    assert check("https://93.184.215.14/") is None
    assert check("http://[2606:4700::1111]:8080/x") is None


def test_localhost_resolves_and_is_refused():
    assert check("http://localhost:8080/") == "localhost resolves to loopback address 127.0.0.1"
    assert check("http://localhost/", allow_loopback=True) is None
    assert check("http://LocalHost./", allow=["localhost"]) is None


def test_metadata_refused_even_with_loopback_allowed():
    assert check("http://169.254.169.254/latest/", allow_loopback=True) == (
        "cloud metadata address 169.254.169.254"
    )
    assert check("http://169.254.169.254/", allow=["169.254.169.254/32"]) is None


def test_bad_urls():
    assert check("http:///nohost") == "URL has no host"
    assert check("http://[::1/") is not None
