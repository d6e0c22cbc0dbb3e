"""Ship the first beta feature: the Tier Points preview of Partner > Tier."""

from __future__ import annotations

from django.db import migrations

TIER_POINTS = {
    "key": "tier-points",
    "name": "Tier Points",
    "description": (
        "The points-based Tier page: your Combined, Sold and Managed tracks against the next "
        "tier, tier insights, the points breakdown by client, progress over time and the "
        "points calculator."
    ),
    "terms": (
        "This feature is a beta. It may change or be withdrawn at any time, and its figures are "
        "a preview: the credited tier set at each tier review is the one that counts. "
        "By trying it you agree that we may contact you about your experience with it. "
        "You can stop using it at any time from Settings > Beta features."
    ),
}


def load(apps, schema_editor):
    BetaFeature = apps.get_model("partners", "BetaFeature")
    BetaFeature.objects.get_or_create(key=TIER_POINTS["key"], defaults=TIER_POINTS)


def unload(apps, schema_editor):
    apps.get_model("partners", "BetaFeature").objects.filter(key=TIER_POINTS["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_beta_features_api_tokens")]
    operations = [migrations.RunPython(load, unload)]
