"""Fixtures of the report, list and client record tests: the hand-computed ``scenario``."""

from __future__ import annotations

from tests.reports.scenario import scenario

__all__ = ["scenario"]
