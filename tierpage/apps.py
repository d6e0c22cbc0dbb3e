from __future__ import annotations

from django.apps import AppConfig


class TierPageConfig(AppConfig):
    name = "tierpage"
    verbose_name = "Tier page"
