"""The manual builds: `mkdocs build --strict` (every page in the nav, every link and anchor
resolves) into a temporary folder, and writes nothing into the repository."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_NO_MKDOCS = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs and mkdocs-material are not installed (pip install '.[docs]')")


def _tree() -> set[str]:
    skip = {".git", ".venv", ".hypothesis", "__pycache__", ".pytest_cache"}
    out = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.endswith(".egg-info")]
        out.update(os.path.relpath(os.path.join(dirpath, f), ROOT) for f in filenames)
    return out


@_NO_MKDOCS
def test_mkdocs_build_strict(tmp_path):
    before = _tree()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    p = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    for page in ("language", "conventions", "eval", "check", "grade", "schemas", "benchmarks"):
        assert (tmp_path / "site" / page / "index.html").is_file(), page
    assert _tree() == before, "mkdocs wrote into the repository: " + ", ".join(sorted(_tree() - before))


def test_every_page_is_in_the_nav():
    """A page missing from mkdocs.yml's nav would be built but unreachable."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").rglob("*.md")):
        rel = page.relative_to(ROOT / "docs").as_posix()
        assert f": {rel}" in nav, f"{rel} is not in mkdocs.yml's nav"


def test_readme_links_to_the_manual_resolve():
    """README.md links to the pages as relative paths (docs/eval.md), so that they work on a code
    host; each must be a page of the manual."""
    import re
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", text)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).is_file(), f"README.md links to {link}, which does not exist"
