"""Under CI a test whose tool is missing fails instead of skipping, so the browser and
accessibility gates cannot vanish; on a laptop it still skips and says what to install."""

import ast
from pathlib import Path

import pytest

from tests.conftest import require

TESTS = Path(__file__).parent


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_outside_ci_a_missing_tool_skips(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="^axe-core is not installed$"):
        require(False, "axe-core is not installed")


@pytest.mark.parametrize("ci", ["true", "TRUE", "1", "yes"])
def test_under_ci_a_missing_tool_fails(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="^axe-core is not installed. CI is set") as failed:
        require(False, "axe-core is not installed")
    assert not isinstance(failed.value, pytest.skip.Exception)


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_present_tool_neither_skips_nor_fails(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert require(True, "never shown") is None


SKIPS = {"skip", "skipif", "importorskip"}


def direct_skips(file):
    """Calls of pytest.skip/importorskip and skip marks outside the `require` helper."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    helper = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef) and func.name == "require"
        for node in ast.walk(func)
    }
    return [
        f"{file.relative_to(TESTS.parent)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in SKIPS and id(node) not in helper
    ]


def test_every_skip_in_the_suite_goes_through_require():
    found = [hit for file in sorted(TESTS.rglob("*.py")) for hit in direct_skips(file) if file != Path(__file__)]
    assert found == [], "skip through tests.conftest.require(condition, reason) so CI fails instead"
