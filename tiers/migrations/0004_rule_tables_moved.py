"""Tiers, requirements and review dates now belong to ``program``: only the state changes (the
foreign keys of standings and review results point at the same table, ``tiers_tier``).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0001_initial"),
        ("tiers", "0003_requirement_status"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="ReviewDate",
                ),
                migrations.AlterField(
                    model_name="tierstanding",
                    name="credited_tier",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="program.tier",
                    ),
                ),
                migrations.AlterField(
                    model_name="tierreviewresult",
                    name="tier",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="program.tier",
                    ),
                ),
                migrations.AlterField(
                    model_name="tierreviewresult",
                    name="previous_tier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="program.tier",
                    ),
                ),
                migrations.AlterField(
                    model_name="tierstanding",
                    name="performance_tier",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="program.tier",
                    ),
                ),
                migrations.DeleteModel(
                    name="TierRequirement",
                ),
                migrations.DeleteModel(
                    name="Tier",
                ),
            ],
            database_operations=[],
        ),
    ]
