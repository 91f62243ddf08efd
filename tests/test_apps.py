"""The demo and the benchmark are apps of their own beside the runtime, which never imports them."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

PACKAGE = Path(settings.PACKAGE_DIR)
RUNTIME = ["newsroom", "publishing", "theme", "delivery", "backups", "mail"]
NOT_RUNTIME = ("samizdat.demo", "samizdat.bench")


def imported_modules(file):
    """Every module a file imports, relative imports resolved (`from .. import demo` → samizdat.demo)."""
    package = list(file.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def forbidden_imports(folder):
    return sorted(
        f"{file.relative_to(PACKAGE.parent)} imports {module}"
        for file in folder.rglob("*.py")
        for module in set(imported_modules(file))
        if (module + ".").startswith(tuple(m + "." for m in NOT_RUNTIME))
    )


@pytest.mark.parametrize("app", RUNTIME)
def test_runtime_does_not_import_the_demo_or_the_benchmark(app):
    assert forbidden_imports(PACKAGE / app) == []


def test_the_import_check_sees_relative_and_absolute_imports(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "samizdat")
    folder = tmp_path / "samizdat" / "newsroom"
    folder.mkdir(parents=True)
    (folder / "a.py").write_text("from .. import demo\nfrom ..bench.run import bench\nimport samizdat.demo.loader\n")
    (folder / "b.py").write_text("from . import demography\nimport samizdat.benchmarks_elsewhere\n")
    assert forbidden_imports(folder) == [
        "samizdat/newsroom/a.py imports samizdat.bench.run",
        "samizdat/newsroom/a.py imports samizdat.bench.run.bench",
        "samizdat/newsroom/a.py imports samizdat.demo",
        "samizdat/newsroom/a.py imports samizdat.demo.loader",
    ]


def test_demo_and_bench_commands_live_in_their_own_apps():
    commands = get_commands()
    assert commands["demo"] == "samizdat.demo"
    assert commands["bench"] == "samizdat.bench"
    with pytest.raises(CommandError, match="--one needs --result"):
        call_command("bench", one=10)
