"""Production settings refuse unsafe defaults; the development settings keep no secret in the repo."""

import os
import subprocess
import sys

import pytest

SAFE = {
    "SAMIZDAT_SECRET_KEY": "k" * 50,
    "SAMIZDAT_ALLOWED_HOSTS": "admin.example.org",
    "SAMIZDAT_ADMIN_BASE_URL": "https://admin.example.org",
}


def load_production(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMIZDAT_")}
    env.update(SAFE)
    env.update(overrides)
    env["DJANGO_SETTINGS_MODULE"] = "samizdat.settings.production"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        env=env, capture_output=True, text=True,
    )


def test_production_starts_with_safe_settings():
    result = load_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "override, message",
    [
        ({"SAMIZDAT_SECRET_KEY": ""}, "SAMIZDAT_SECRET_KEY"),
        ({"SAMIZDAT_SECRET_KEY": "short"}, "SAMIZDAT_SECRET_KEY"),
        ({"SAMIZDAT_ALLOWED_HOSTS": "*"}, "SAMIZDAT_ALLOWED_HOSTS"),
        ({"SAMIZDAT_ADMIN_BASE_URL": "http://admin.example.org"}, "https://"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(override, message):
    result = load_production(**override)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_development_secret_key_lives_in_the_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMIZDAT_")}
    env.update(SAMIZDAT_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="samizdat.settings.dev")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
