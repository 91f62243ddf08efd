"""Which address a request comes from, for counting (sign-in lockout, subscribe and search
rate limits): one rule for every counter."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The socket's peer address, unless SAMIZDAT_CLIENT_IP_HEADER names a header set by a proxy
    in front of Samizdat. Only the right-most entry is used: it is the one that proxy added;
    anything to its left came from the client and can be forged to dodge a per-address count."""
    header = getattr(settings, "SAMIZDAT_CLIENT_IP_HEADER", "")
    if header:
        candidate = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # no header or garbage in it: fall back to the peer, never to the client's word
    return request.META.get("REMOTE_ADDR")


def client_key(request) -> str:
    """What a rate limit counts by: the client's address, or its /64 network for IPv6 (one
    subscriber line holds a whole /64, so single addresses would cost an attacker nothing)."""
    address = client_ip(request) or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
