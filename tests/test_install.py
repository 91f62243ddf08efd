"""`pip install` gives a working product: a wheel built from the checkout, installed into a
fresh virtualenv, runs `samizdat demo` from a folder outside the checkout, and the Persian
edition it bakes has a Persian interface (the compiled catalogs shipped in the wheel).

Nothing is downloaded: the wheel is built without build isolation, installed without its
dependencies, and the new virtualenv sees this one's packages through a .pth file."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def checkout_files():
    """The files a clean clone has: tracked or new, never git-ignored (a catalog compiled
    only locally and ignored must not make this test pass)."""
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git checkout: the wheel test builds from the files git knows")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv with only the Samizdat wheel installed into it."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    for name in checkout_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)

    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist", source])
    wheels = list((tmp / "dist").glob("samizdat-*.whl"))
    assert len(wheels) == 1, wheels

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheels[0]])
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    # Django, Wagtail and the rest come from the virtualenv running the tests.
    (site_packages / "samizdat-test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return {"venv": venv, "wheel": wheels[0], "site_packages": site_packages, "tmp": tmp}


def clean_env(**extra):
    # The embedded SQLite in a folder of its own, whatever database the suite runs on;
    # no PYTHONPATH that could make the checkout importable.
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("SAMIZDAT_") and k not in {"DATABASE_URL", "PYTHONPATH", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev", **extra}


def test_the_wheel_holds_one_package_with_its_catalogs_templates_and_static_files(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert {n.split("/")[0] for n in names} == {"samizdat", "samizdat-0.1.0.dist-info"}
    for lang in ("fa", "ru"):
        assert f"samizdat/locale/{lang}/LC_MESSAGES/django.mo" in names
    assert "samizdat/theme/jinja2/samizdat/post_page.html" in names
    assert "samizdat/theme/static/samizdat/site.css" in names
    assert not [n for n in names if n.startswith(("samizdat/tests", "tests/"))]


def test_installed_samizdat_demo_bakes_a_persian_interface(installed, tmp_path):
    cwd, data = tmp_path / "elsewhere", tmp_path / "data"
    cwd.mkdir()
    env = clean_env(SAMIZDAT_DATA_DIR=str(data))
    output = run([installed["venv"] / "bin" / "samizdat", "demo"], cwd=cwd, env=env, timeout=600)
    assert "Loaded the demo newsroom" in output

    # What the installed command imported came from the new virtualenv, not the checkout.
    shown = run(
        [installed["venv"] / "bin" / "samizdat", "shell", "-c",
         "import sys; from django.conf import settings; print('PACKAGE', settings.PACKAGE_DIR); "
         "[print('MODULE', m.__file__) for n, m in sys.modules.items() if n.startswith('samizdat')]"],
        cwd=cwd, env=env,
    ).splitlines()
    package = [line.split(" ", 1)[1] for line in shown if line.startswith("PACKAGE ")]
    modules = [Path(line.split(" ", 1)[1]) for line in shown if line.startswith("MODULE ")]
    assert package == [str(installed["site_packages"] / "samizdat")]
    assert len(modules) > 20 and [m for m in modules if not m.is_relative_to(installed["site_packages"])] == []

    with open(ROOT / "samizdat/locale/fa/LC_MESSAGES/django.po", "rb") as f:
        skip = read_po(f).get("Skip to content").string
    assert skip and skip != "Skip to content"
    posts = [p for p in (data / "site" / "fa").glob("*/*/index.html")
             if '<article class="post"' in p.read_text(encoding="utf-8")]
    assert posts, f"no Persian post page was baked under {data / 'site' / 'fa'}"
    html = posts[0].read_text(encoding="utf-8")
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    assert skip in html, f"{posts[0]} has no Persian interface: the .mo catalogs did not ship"
    assert "Skip to content" not in html
