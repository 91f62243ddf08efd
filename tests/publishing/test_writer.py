from pathlib import Path

import pytest

from samizdat.publishing.writer import SiteWriter, WriteError, site_file


def test_paths_map_to_index_files(tmp_path):
    assert site_file(tmp_path, "/en/") == tmp_path / "en/index.html"
    assert site_file(tmp_path, "/404.html") == tmp_path / "404.html"
    assert site_file(tmp_path, "/fa/یادداشت/") == tmp_path / "fa/یادداشت/index.html"


def test_refuses_to_leave_the_site_folder(tmp_path):
    with pytest.raises(WriteError):
        site_file(tmp_path, "/../etc/passwd")


def test_refuses_one_path_twice_in_a_batch(tmp_path):
    writer = SiteWriter(tmp_path)
    writer.write_bytes("/en/", b"one")
    with pytest.raises(WriteError, match="twice"):
        writer.write_bytes("/en/", b"two")


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    writer = SiteWriter(tmp_path)
    writer.write_bytes("/en/", b"old")
    import os

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        SiteWriter(tmp_path).write_bytes("/en/", b"new")
    assert (tmp_path / "en/index.html").read_bytes() == b"old"
    assert [p.name for p in (tmp_path / "en").iterdir()] == ["index.html"]


def test_prune_removes_unwritten_files_and_leftover_temp_files(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old/index.html").write_text("x")
    (tmp_path / ".tmp-abc.html").write_text("half")
    writer = SiteWriter(tmp_path)
    writer.write_bytes("/en/", b"new")
    assert writer.prune() == 2
    assert sorted(str(p.relative_to(tmp_path)) for p in Path(tmp_path).rglob("*")) == ["en", "en/index.html"]
