"""A private site baked and signed with a throwaway key (never the project's)."""

import pytest

from samizdat.publishing.services import site_bake_full
from samizdat.reach.signing import SecretKey


@pytest.fixture
def signing_key(settings, tmp_path):
    path = tmp_path / "keys" / "signing.key"
    SecretKey.generate().save(path)
    settings.SAMIZDAT_SIGNING_KEY = str(path)
    return path


@pytest.fixture
def signed_site(fresh_site, signing_key):
    site_bake_full(reason="test")
    return fresh_site
