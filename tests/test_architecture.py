"""The shape docs/architecture.md describes: every app is in the layer contract, files stay small.

import-linter itself runs in ``make lint``; these tests catch what it cannot see: a new app left
out of the contract (import-linter would not check it at all) and a module grown past the size
a reader can hold.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500
SKIPPED_DIRS = {".venv", ".uv", "migrations", "node_modules", "staticfiles", ".git"}


def _contracts() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _layered_packages() -> list[str]:
    layers = next(c for c in _contracts()["contracts"] if c["type"] == "layers")["layers"]
    return [name.strip() for layer in layers for name in layer.split("|")]


def _project_apps() -> list[str]:
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and not Path(config.path).resolve().is_relative_to(ROOT / ".venv")
    ]


def test_every_project_app_is_a_layer_of_the_contract() -> None:
    layered = _layered_packages()
    missing = [name for name in _project_apps() if name not in layered]
    assert not missing, f"apps outside the import-linter layers: {missing}"
    assert set(_contracts()["root_packages"]) == set(layered)


def test_the_contract_orders_the_apps_as_installed() -> None:
    """INSTALLED_APPS lists the project's apps bottom layer first, as the contract does."""
    layers = next(c for c in _contracts()["contracts"] if c["type"] == "layers")["layers"]
    rank = {
        name.strip(): -height for height, layer in enumerate(layers) for name in layer.split("|")
    }
    installed = [name for name in settings.INSTALLED_APPS if name in rank]
    assert [rank[name] for name in installed] == sorted(rank[name] for name in installed)


def test_the_project_package_is_only_the_composition_root() -> None:
    modules = {
        path.relative_to(ROOT / "partner_portal").as_posix()
        for path in (ROOT / "partner_portal").rglob("*.py")
    }
    allowed = {"__init__.py", "asgi.py", "wsgi.py", "celery.py", "urls.py", "api_urls.py"}
    extra = {m for m in modules if m not in allowed and not m.startswith("settings/")}
    assert not extra, (
        f"partner_portal holds more than settings, URL confs, WSGI/ASGI, Celery: {extra}"
    )


def test_no_python_file_is_over_500_lines() -> None:
    long = {}
    for path in ROOT.rglob("*.py"):
        if SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[path.relative_to(ROOT).as_posix()] = lines
    assert not long, f"files over {MAX_LINES} lines: {long}"
