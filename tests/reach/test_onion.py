"""The onion service: `samizdat onion` writes the torrc lines; Debian's tor, started by the
test with the network disabled (no relay is reachable from here), creates the service's keys
and address; `samizdat onion --record` puts the address on the "how to reach us" pages and in
the Onion-Location header; the mapped local port serves the site. (A request through the Tor
network itself needs the network: not tested here.)"""

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from samizdat.core import ways
from samizdat.delivery.nginx import nginx_config
from samizdat.delivery.server import ReaderSite
from samizdat.publishing.services import site_bake_full
from tests.browser.conftest import wsgi_served
from tests.conftest import read, require

pytestmark = pytest.mark.django_db


def test_tor_creates_the_onion_service_and_the_site_follows(fresh_site, settings, tmp_path, capsys,
                                                            django_capture_on_commit_callbacks, monkeypatch):
    tor = shutil.which("tor") or ("/usr/sbin/tor" if Path("/usr/sbin/tor").exists() else None)
    require(tor is not None, "tor is not installed (Debian package 'tor'; make browser-deps installs it)")
    site_bake_full(reason="test")
    settings.SAMIZDAT_ONION_DIR = str(tmp_path / "onion")
    with wsgi_served(ReaderSite(django_app=None, site_dir=fresh_site)) as port:
        call_command("onion", port=port, out=str(tmp_path / "samizdat.torrc"))
        fragment = (tmp_path / "samizdat.torrc").read_text()
        assert f"HiddenServicePort 80 127.0.0.1:{port}" in fragment
        data = tmp_path / "tor-data"
        data.mkdir(mode=0o700)
        (tmp_path / "torrc").write_text(
            f"DataDirectory {data}\nSocksPort 0\nDisableNetwork 1\nLog notice file {tmp_path / 'tor.log'}\n"
            f"%include {tmp_path / 'samizdat.torrc'}\n"
        )
        process = subprocess.Popen([tor, "-f", str(tmp_path / "torrc")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            hostname = tmp_path / "onion" / "hostname"
            for _ in range(300):
                if hostname.exists() or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert hostname.exists(), (tmp_path / "tor.log").read_text()[-2000:]
        finally:
            process.terminate()
            process.wait(timeout=10)
        address = hostname.read_text().strip()
        assert address.endswith(".onion") and len(address) == 62  # a v3 address
        with django_capture_on_commit_callbacks(execute=True):
            call_command("onion", record=True)
        assert address in capsys.readouterr().out
        assert f"http://{address}/fa/" in read(fresh_site, "/fa/reach-us/")
        # The port Tor maps the onion's port 80 to serves the site, and clearnet pages point
        # Tor Browser to the onion (Onion-Location).
        monkeypatch.setitem(ways._onion, "checked", 0.0)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/en/", headers={"Host": address})
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200 and b"<main" in answer.read()
            assert answer.headers["Onion-Location"] == f"http://{address}/en/"
        assert f'add_header Onion-Location "http://{address}$request_uri";' in nginx_config()
