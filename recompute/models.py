"""The recompute runs requested from the admin (PRODUCT.md A2).

The table kept its name from when runs belonged to ``points`` (migration ``recompute.0001``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RecomputeRun(models.Model):
    """A recompute requested from the admin: who asked, for which partners, and what it changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    on = models.DateField(help_text="The day recomputed.")
    partner_ids = models.JSONField(
        null=True, blank=True, help_text="The partners recomputed; empty means every partner."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "points_recomputerun"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"Recompute of {self.on} ({self.get_status_display()})"

    @property
    def partner_count(self) -> int | None:
        return None if self.partner_ids is None else len(self.partner_ids)
