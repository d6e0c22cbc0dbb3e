"""Recompute runs join ``recompute`` from ``points``: the state moves, ``points_recomputerun`` stays."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("points", "0006_pair_balances"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RecomputeRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("on", models.DateField(help_text="The day recomputed.")),
                        (
                            "partner_ids",
                            models.JSONField(
                                blank=True,
                                help_text="The partners recomputed; empty means every partner.",
                                null=True,
                            ),
                        ),
                        ("requested_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("finished", "Finished"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("summary", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "points_recomputerun",
                        "ordering": ["-requested_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["status", "requested_at"],
                                name="points_reco_status_e2f757_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
