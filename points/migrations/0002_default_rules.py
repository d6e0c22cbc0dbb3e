"""Load PROGRAM.md's default FX rates, growth markets and point rates as editable data."""

from __future__ import annotations

from django.db import migrations

from program.engine import default_rules


def load(apps, schema_editor):
    rules = default_rules()
    FxRate = apps.get_model("points", "FxRate")
    GrowthMarket = apps.get_model("points", "GrowthMarket")
    PointRate = apps.get_model("points", "PointRate")
    FxRate.objects.bulk_create(
        FxRate(currency=r.currency, per_100_usd=r.per_100_usd, effective_from=r.effective_from)
        for r in rules.fx_rates
    )
    GrowthMarket.objects.bulk_create(
        GrowthMarket(country=r.country, multiplier=r.multiplier, effective_from=r.effective_from)
        for r in rules.markets
    )
    PointRate.objects.bulk_create(
        PointRate(
            track=r.track, deal_type=r.deal_type, rate=r.rate, effective_from=r.effective_from
        )
        for r in rules.point_rates
    )


def unload(apps, schema_editor):
    for name in ("FxRate", "GrowthMarket", "PointRate"):
        apps.get_model("points", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
