"""Serve plotly.js from the plotly package's own bundled file, never from a CDN or a copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage
from django.core.files.storage import FileSystemStorage

PLOTLY_STATIC_PATH = "vendor/plotly.min.js"
_PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    """Finds ``vendor/plotly.min.js`` in the installed plotly package."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.storage = FileSystemStorage(location=str(_PLOTLY_FILE.parent))
        self.storage.prefix = "vendor"  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        found = path == PLOTLY_STATIC_PATH and _PLOTLY_FILE.exists()
        if find_all or kwargs.get("all"):
            return [str(_PLOTLY_FILE)] if found else []
        return str(_PLOTLY_FILE) if found else None

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield _PLOTLY_FILE.name, self.storage
