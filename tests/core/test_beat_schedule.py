"""Celery beat's schedule names tasks that exist, among them the nightly housekeeping."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from partner_portal.celery import app as celery_app

HOUSEKEEPING = {
    "partners.tasks.sessions_clear_task",
    "partners.tasks.login_records_prune_task",
    "recompute.tasks.recompute_runs_prune_task",
}


def test_every_scheduled_task_is_registered() -> None:
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(celery_app.tasks) == set()
    assert scheduled >= HOUSEKEEPING


def test_the_housekeeping_runs_nightly() -> None:
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"] in HOUSEKEEPING:
            schedule = entry["schedule"]
            assert isinstance(schedule, crontab)
            assert len(schedule.hour) == 1 and len(schedule.day_of_month) == 31
