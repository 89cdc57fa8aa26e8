"""The wheel carries every file the package reads at run time."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _package_data() -> dict[str, list[str]]:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return conf["tool"]["setuptools"]["package-data"]


@pytest.mark.parametrize(
    ("package", "folder"),
    [("kg.data", "kg/data"), ("kg.ontology", "ontology"), ("kg.queries", "queries"),
     ("kg.viz", "kg/viz")],
)
def test_every_data_file_is_packaged(package: str, folder: str):
    globs = _package_data()[package]
    files = [p.name for p in (ROOT / folder).iterdir()
             if p.is_file() and p.suffix not in {".py", ".pyc"} and not p.name.startswith(".")]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert missing == []
