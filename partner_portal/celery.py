"""The Celery application: configured from Django settings (the ``CELERY_`` namespace).

Workers and beat log through the project's ``LOGGING`` (core/logs.py), not Celery's own
format; a worker binds to each task's log lines the context of whatever queued it (the request
id, user and partner of a request: django-structlog's Celery receivers).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import after_task_publish, before_task_publish, setup_logging
from django.conf import settings
from django.utils.log import configure_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings.local")

app = Celery("partner_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class StructlogWorkerStep(DjangoStructLogInitStep):
    """django-structlog's worker step: each task runs with the log context it was queued with.

    Its receivers for publishing are left out: the app's own (``DJANGO_STRUCTLOG_CELERY_ENABLED``)
    already send the context along with every task queued here, and logged each twice.
    """

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app.steps["worker"].add(StructlogWorkerStep)


@setup_logging.connect
def logging_from_settings(**kwargs: Any) -> None:
    """Connected, it keeps Celery from installing its own handlers on the root logger."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
