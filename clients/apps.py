from __future__ import annotations

from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from clients import signals  # noqa: F401
