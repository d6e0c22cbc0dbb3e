from __future__ import annotations

from django.apps import AppConfig


class RecomputeConfig(AppConfig):
    name = "recompute"
    verbose_name = "Recompute"
