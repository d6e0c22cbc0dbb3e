"""The partner's settings pages (S1–S3), under /partner/ in the ``partners`` URL namespace.

The namespace also holds the dashboard's pages: ``partner_portal.urls`` includes both lists as
one, so names such as ``partners:dashboard`` and ``partners:settings`` keep working.
"""

from __future__ import annotations

from partners.views.settings import urlpatterns

__all__ = ["urlpatterns"]
