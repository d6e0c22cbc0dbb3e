"""Reading the audit log in tests: the entries a block of code wrote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.models import LogEntry
from django.db.models import Model


@contextmanager
def recorded() -> Iterator[list[LogEntry]]:
    """The audit-log entries written inside the ``with`` block, oldest first (filled in when
    the block ends)."""
    last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written: list[LogEntry] = []
    yield written
    written.extend(
        LogEntry.objects.filter(pk__gt=last).select_related("actor", "content_type").order_by("pk")
    )


def only_entry(written: list[LogEntry], obj: Model) -> LogEntry:
    """The one entry among ``written`` about ``obj``; fails if there are none or several."""
    about = [
        entry
        for entry in written
        if entry.content_type.model_class() is type(obj) and entry.object_pk == str(obj.pk)
    ]
    assert len(about) == 1, [str(entry) for entry in written]
    return about[0]


def changes(entry: LogEntry) -> dict[str, list[str]]:
    """An entry's changes as ``{field: [before, after]}``."""
    return {name: list(pair) for name, pair in entry.changes_dict.items()}
