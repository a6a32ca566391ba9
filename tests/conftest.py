"""Shared test set-up: a fixed zone, no user config, caches and data in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the whole run, so the gazetteer index is built once (or reused from
    $DINNERBOT_CACHE_DIR when the developer set it)."""
    given = os.environ.get("DINNERBOT_CACHE_DIR")
    return Path(given) if given else tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_cache_dir: Path) -> None:
    monkeypatch.delenv("DINNERBOT_CONFIG", raising=False)
    monkeypatch.setenv("DINNERBOT_CACHE_DIR", str(shared_cache_dir))
    monkeypatch.setenv("DINNERBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("TZ", "Europe/Berlin")
