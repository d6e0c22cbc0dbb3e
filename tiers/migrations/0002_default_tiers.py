"""Load PROGRAM.md's default tiers, their requirements and the review dates as editable data."""

from __future__ import annotations

from django.db import migrations

from program.engine import default_rules


def load(apps, schema_editor):
    rules = default_rules()
    Tier = apps.get_model("tiers", "Tier")
    TierRequirement = apps.get_model("tiers", "TierRequirement")
    ReviewDate = apps.get_model("tiers", "ReviewDate")
    for rule in sorted(rules.tiers, key=lambda t: t.rank):
        tier, _ = Tier.objects.get_or_create(
            key=rule.key, defaults={"name": rule.name, "rank": rule.rank}
        )
        TierRequirement.objects.create(
            tier=tier,
            effective_from=rule.effective_from,
            total_points=rule.total_points,
            sold_min=rule.sold_min,
            managed_min=rule.managed_min,
            requires_certification=rule.requires_certification,
            by_invitation=rule.by_invitation,
            min_csr=rule.min_csr,
        )
    ReviewDate.objects.bulk_create(
        ReviewDate(month=r.month, day=r.day, effective_from=r.effective_from)
        for r in rules.review_dates
    )


def unload(apps, schema_editor):
    for name in ("ReviewDate", "TierRequirement", "Tier"):
        apps.get_model("tiers", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tiers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
