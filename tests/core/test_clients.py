"""One rule for which address a request comes from, and what a rate limit counts by."""

from django.test import RequestFactory

from samizdat.core.clients import client_ip, client_key


def request(peer, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def test_a_proxy_header_counts_only_when_configured_and_only_its_last_entry(settings):
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 192.0.2.4"}
    assert client_ip(request("10.0.0.2", **forwarded)) == "10.0.0.2"
    settings.SAMIZDAT_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request("10.0.0.2", **forwarded)) == "192.0.2.4"
    assert client_ip(request("10.0.0.2", HTTP_X_FORWARDED_FOR="not an address")) == "10.0.0.2"


def test_an_ipv6_client_is_counted_by_its_64_network():
    one = client_key(request("2001:db8:1:2:aaaa::1"))
    assert one == client_key(request("2001:db8:1:2:ffff:ffff:ffff:ffff")) == "2001:db8:1:2::/64"
    assert one != client_key(request("2001:db8:1:3::1"))
    assert client_key(request("192.0.2.7")) == "192.0.2.7"
    assert client_key(request("::ffff:192.0.2.7")) == "192.0.2.7", "an IPv4 client seen through IPv6"
