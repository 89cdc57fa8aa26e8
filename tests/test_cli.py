"""The command line: one-line errors, no tracebacks, earlier builds survive failed ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

KG = [sys.executable, "-m", "kg"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KG, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and needle in lines[0]


def test_missing_path(tmp_path: Path):
    _one_line_error(run("build", str(tmp_path / "nope"), "--out", str(tmp_path / "o")), "nope")


def test_empty_folder(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    _one_line_error(run("build", str(tmp_path / "empty"), "--out", str(tmp_path / "o")), "empty")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00"),
        ("photo.md", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ],
)
def test_binary_file_named_in_error(tmp_path: Path, name: str, data: bytes):
    (tmp_path / name).write_bytes(data)
    proc = run("build", str(tmp_path / name), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert name in proc.stderr


def test_failed_build_keeps_earlier_exports(tmp_path: Path, seeds_dir: Path):
    out = tmp_path / "exports"
    first = run("build", str(seeds_dir / "003_bb57ecc43a8628e0.txt"), "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {"graph.ttl", "graph.html", "build.json"} <= set(before)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    failed = run("build", str(tmp_path / "bad"), "--out", str(out))
    assert failed.returncode == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".kg-build-")]


def test_build_prints_summary(tmp_path: Path, seeds_dir: Path):
    proc = run("build", str(seeds_dir / "001_00d33a5a0d58092a.txt"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "articles read" in proc.stderr and "triples" in proc.stderr
