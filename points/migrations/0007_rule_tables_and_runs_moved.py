"""FX rates, growth markets and point rates now belong to ``program``, recompute runs to
``recompute``: only the state changes, the tables stay.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0001_initial"),
        ("recompute", "0001_initial"),
        ("points", "0006_pair_balances"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="FxRate",
                ),
                migrations.DeleteModel(
                    name="GrowthMarket",
                ),
                migrations.DeleteModel(
                    name="PointRate",
                ),
                migrations.DeleteModel(
                    name="RecomputeRun",
                ),
            ],
            database_operations=[],
        ),
    ]
