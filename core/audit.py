"""The audit trail's shared pieces (django-auditlog): who an entry is by, how secrets show,
which request it came from, and saving rows one by one so that each change is recorded.

Which models are audited, and which of their fields are left out or masked, is configuration
(``AUDITLOG_INCLUDE_TRACKING_MODELS`` in the settings); the log's admin is in ``core.admin``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import structlog
from auditlog.context import auditlog_value, set_actor
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

MASK = "(hidden)"
#: How django-auditlog shows a field that had no value (the "from" side of a creation).
_NO_VALUE = ("", "None")
_CID_LENGTH = 255  # LogEntry.cid's max_length


def mask(value: str) -> str:
    """A masked field's value in the log (``AUDITLOG_MASK_CALLABLE``): nothing of it shows,
    not even the half that django-auditlog's default mask keeps; only whether it was set."""
    return value if value in _NO_VALUE else MASK


def correlation_id() -> str | None:
    """The id an entry is filed under (``AUDITLOG_CID_GETTER``): the request id that the
    request's log lines carry (django-structlog binds it), so that an entry leads to them.

    Bounded to the column's length: the id may come from a client's ``X-Request-ID``.
    """
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return str(request_id)[:_CID_LENGTH] if request_id else None


@contextmanager
def acting_as(user: AbstractBaseUser | None) -> Iterator[None]:
    """The entries written inside are ``user``'s: for work that a user started and that may run
    outside their request (a Celery task), or a service that is told who does it.

    Without ``user`` the surrounding actor stays (the request's, set by the middleware; none in
    a nightly job). On the way out the surrounding actor and client address are put back:
    django-auditlog's ``set_actor`` alone would leave the rest of the request without them.
    """
    if user is None:
        yield
        return
    surrounding = auditlog_value.get(None)
    remote_addr = surrounding.get("remote_addr") if surrounding else None
    try:
        with set_actor(user, remote_addr=remote_addr):
            yield
    finally:
        if surrounding is not None:
            auditlog_value.set(surrounding)


@transaction.atomic
def save_each(queryset: QuerySet[M], **values: object) -> int:
    """Set ``values`` on every row of ``queryset`` and save the rows one by one: what
    ``update()`` does, but with the model's signals, so that the audit log records each change
    (a queryset update sends none). The rows are locked first; returns how many were saved."""
    rows = list(queryset.select_for_update(of=("self",)))
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=list(values))
    return len(rows)
