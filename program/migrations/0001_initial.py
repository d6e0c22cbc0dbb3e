"""The rule tables join ``program`` from ``points`` and ``tiers``: the state moves, the tables
(``points_fxrate``, ``tiers_tier``, ...) and their rows stay as they are.
"""

import django.db.models.deletion
import django_countries.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("points", "0006_pair_balances"),
        ("tiers", "0003_requirement_status"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Tier",
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
                        ("key", models.SlugField(max_length=30, unique=True)),
                        ("name", models.CharField(max_length=60)),
                        (
                            "rank",
                            models.PositiveSmallIntegerField(
                                help_text="0 is the floor (Untiered).", unique=True
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tiers_tier",
                        "ordering": ["rank"],
                    },
                ),
                migrations.CreateModel(
                    name="FxRate",
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
                        ("currency", models.CharField(max_length=3)),
                        ("per_100_usd", models.DecimalField(decimal_places=6, max_digits=18)),
                        ("effective_from", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("published", "Published")],
                                db_index=True,
                                default="published",
                                help_text="A draft is ignored by the program until it is published from the rule-change preview; it then applies from its effective date.",
                                max_length=10,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "program FX rate",
                        "db_table": "points_fxrate",
                        "ordering": ["currency", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("currency", "effective_from"), name="fx_rate_once_per_day"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("per_100_usd__gt", 0)), name="fx_rate_positive"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="GrowthMarket",
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
                        ("country", django_countries.fields.CountryField(max_length=2)),
                        ("multiplier", models.DecimalField(decimal_places=2, max_digits=6)),
                        ("effective_from", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("published", "Published")],
                                db_index=True,
                                default="published",
                                help_text="A draft is ignored by the program until it is published from the rule-change preview; it then applies from its effective date.",
                                max_length=10,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "points_growthmarket",
                        "ordering": ["country", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("country", "effective_from"), name="market_once_per_day"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("multiplier__gt", 0)),
                                name="multiplier_positive",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PointRate",
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
                        (
                            "track",
                            models.CharField(
                                choices=[("sold", "Sold"), ("managed", "Managed")], max_length=10
                            ),
                        ),
                        (
                            "deal_type",
                            models.CharField(
                                blank=True,
                                choices=[("sourced", "Sourced"), ("assisted", "Assisted")],
                                help_text="Empty for managed.",
                                max_length=10,
                            ),
                        ),
                        ("rate", models.DecimalField(decimal_places=4, max_digits=10)),
                        ("effective_from", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("published", "Published")],
                                db_index=True,
                                default="published",
                                help_text="A draft is ignored by the program until it is published from the rule-change preview; it then applies from its effective date.",
                                max_length=10,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "points_pointrate",
                        "ordering": ["track", "deal_type", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("track", "deal_type", "effective_from"),
                                name="point_rate_once_per_day",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("rate__gte", 0)), name="point_rate_not_negative"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewDate",
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
                        ("month", models.PositiveSmallIntegerField()),
                        ("day", models.PositiveSmallIntegerField()),
                        ("effective_from", models.DateField()),
                    ],
                    options={
                        "db_table": "tiers_reviewdate",
                        "ordering": ["-effective_from", "month", "day"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("effective_from", "month", "day"), name="review_date_once"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("day__gte", 1),
                                        ("day__lte", 28),
                                        ("month__gte", 1),
                                        ("month__lte", 12),
                                    ),
                                    models.Q(
                                        ("day__gte", 1),
                                        ("day__lte", 31),
                                        ("month__in", [1, 3, 5, 7, 8, 10, 12]),
                                    ),
                                    models.Q(
                                        ("day__gte", 1),
                                        ("day__lte", 30),
                                        ("month__in", [4, 6, 9, 11]),
                                    ),
                                    _connector="OR",
                                ),
                                name="review_date_is_a_calendar_day",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TierRequirement",
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
                        ("effective_from", models.DateField()),
                        (
                            "total_points",
                            models.DecimalField(decimal_places=2, default=0, max_digits=12),
                        ),
                        (
                            "sold_min",
                            models.DecimalField(decimal_places=2, default=0, max_digits=12),
                        ),
                        (
                            "managed_min",
                            models.DecimalField(decimal_places=2, default=0, max_digits=12),
                        ),
                        ("requires_certification", models.BooleanField(default=True)),
                        ("by_invitation", models.BooleanField(default=False)),
                        (
                            "min_csr",
                            models.DecimalField(
                                blank=True,
                                decimal_places=4,
                                help_text="Minimum 12-month average C$R as a fraction (0.85 = 85%); empty for none.",
                                max_digits=5,
                                null=True,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("published", "Published")],
                                db_index=True,
                                default="published",
                                help_text="A draft is ignored by the program until it is published from the rule-change preview; it then applies from its effective date.",
                                max_length=10,
                            ),
                        ),
                        (
                            "tier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="requirements",
                                to="program.tier",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tiers_tierrequirement",
                        "ordering": ["tier__rank", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("tier", "effective_from"), name="requirement_once_per_day"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("total_points__gte", 0),
                                    ("sold_min__gte", 0),
                                    ("managed_min__gte", 0),
                                ),
                                name="requirement_not_negative",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
