"""The content types of the moved models follow them, so their permissions, the groups holding
those permissions and the admin's history keep working under the new app labels."""

from django.db import migrations

MOVED = [
    ("points", "program", "fxrate"),
    ("points", "program", "growthmarket"),
    ("points", "program", "pointrate"),
    ("tiers", "program", "tier"),
    ("tiers", "program", "tierrequirement"),
    ("tiers", "program", "reviewdate"),
    ("points", "recompute", "recomputerun"),
]


def _relabel(apps, schema_editor, *, forwards: bool) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old, new, model in MOVED:
        source, target = (old, new) if forwards else (new, old)
        moved = content_type.objects.using(db).filter(app_label=source, model=model)
        if content_type.objects.using(db).filter(app_label=target, model=model).exists():
            # Created by an earlier run of post_migrate: the one that holds the permissions wins.
            content_type.objects.using(db).filter(app_label=target, model=model).filter(
                permission__isnull=True
            ).delete()
        if not content_type.objects.using(db).filter(app_label=target, model=model).exists():
            moved.update(app_label=target)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, forwards=True)


def backwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("program", "0001_initial"),
        ("recompute", "0001_initial"),
        ("points", "0007_rule_tables_and_runs_moved"),
        ("tiers", "0004_rule_tables_moved"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
