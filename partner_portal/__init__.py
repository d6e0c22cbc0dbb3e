from __future__ import annotations

from partner_portal.celery import app as celery_app

__all__ = ("celery_app",)
