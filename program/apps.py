from __future__ import annotations

from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "Program rules"

    def ready(self) -> None:
        from program import signals  # noqa: F401
