"""Writes of the partner's own client data: static lists, and the rules every partner-made
item (a static list or saved report) follows: its name and who may delete it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from clients.models import Client, SavedReport, StaticList, StaticListMember
from partners.models import Membership, Partner

NAME_MAX = 120
DELETE_REFUSED = "Only whoever made it or a super admin of your organisation can delete it."

AnyUser = AbstractBaseUser | AnonymousUser | None


def user_id_of(user: AnyUser) -> int | None:
    """The signed-in user's id, None for an anonymous or missing one."""
    return user.pk if user is not None and user.is_authenticated else None


def may_delete(*, membership: Membership | None, item: StaticList | SavedReport) -> bool:
    """Whether ``membership`` may delete a static list or saved report of its partner: the
    member who made it, or any super admin of the partner (only they, for one whose maker is
    unknown). Reading, renaming and a list's clients stay open to every member."""
    if membership is None or membership.partner_id != item.partner_id:
        return False
    if membership.is_super_admin:
        return True
    return item.created_by_id is not None and item.created_by_id == membership.user_id


def check_may_delete(membership: Membership | None, item: StaticList | SavedReport) -> None:
    """Raise PermissionDenied unless ``membership`` may delete ``item`` (``may_delete``)."""
    if not may_delete(membership=membership, item=item):
        raise PermissionDenied(DELETE_REFUSED)


def clean_name(name: str, what: str) -> str:
    """``name`` with its whitespace collapsed; ValidationError if empty or too long."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError(f"Give the {what} a name.")
    if len(cleaned) > NAME_MAX:
        raise ValidationError(f"A {what} name can have at most {NAME_MAX} characters.")
    return cleaned


def _check_list_name_free(*, partner: Partner, name: str, exclude_id: int | None = None) -> None:
    taken = partner.static_lists.filter(name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationError(f"You already have a list named “{name}”.")


@transaction.atomic
def static_list_create(*, partner: Partner, name: str, user: AnyUser = None) -> StaticList:
    """A new, empty static list made by ``user``. Raises ValidationError for an empty or taken
    name."""
    name = clean_name(name, "list")
    _check_list_name_free(partner=partner, name=name)
    try:
        with transaction.atomic():
            return StaticList.objects.create(
                partner=partner, name=name, created_by_id=user_id_of(user)
            )
    except IntegrityError:
        raise ValidationError(f"You already have a list named “{name}”.") from None


@dataclass(frozen=True)
class ListAddResult:
    static_list: StaticList
    added: int
    already: int


@transaction.atomic
def static_list_add_clients(
    *, static_list: StaticList, client_ids: QuerySet[Any] | Iterable[int]
) -> ListAddResult:
    """Put clients on a list in one set-based insert; a client already there is not added twice.

    ``client_ids`` is a list of ids or a ``values_list`` subquery of them (such as
    ``reports.reports.report_clients``), read for the list's own partner.
    """
    ids = client_ids if isinstance(client_ids, QuerySet) else list(client_ids)
    if isinstance(ids, list) and not ids:
        return ListAddResult(static_list=static_list, added=0, already=0)
    wanted = Client.objects.filter(pk__in=ids)
    missing = (
        wanted.annotate(member_client=F("pk"))
        .exclude(
            Exists(StaticListMember.objects.filter(list=static_list, client_id=OuterRef("pk")))
        )
        .values_list("member_client")
    )
    select_sql, select_params = missing.query.sql_with_params()
    table = StaticListMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (list_id, client_id, added_at) "  # noqa: S608
            f"SELECT %s, missing.member_client, %s FROM ({select_sql}) AS missing WHERE 1 = 1 "
            "ON CONFLICT DO NOTHING",
            [static_list.pk, timezone.now(), *select_params],
        )
        added = max(cursor.rowcount, 0)
    total = wanted.count()
    return ListAddResult(static_list=static_list, added=added, already=total - added)


@transaction.atomic
def static_list_rename(*, static_list: StaticList, name: str) -> StaticList:
    """Rename a list. Raises ValidationError for an empty or taken name."""
    name = clean_name(name, "list")
    _check_list_name_free(partner=static_list.partner, name=name, exclude_id=static_list.pk)
    static_list.name = name
    static_list.save(update_fields=["name"])
    return static_list


@transaction.atomic
def static_list_delete(*, static_list: StaticList, by: Membership | None) -> None:
    """Delete a list and its memberships (the clients stay). Raises PermissionDenied unless
    ``by`` may delete it (``may_delete``)."""
    check_may_delete(by, static_list)
    static_list.delete()


@transaction.atomic
def static_list_remove_client(*, static_list: StaticList, client_id: int) -> bool:
    """Take a client off a list; False if it was not on it."""
    deleted, _ = static_list.members.filter(client_id=client_id).delete()
    return deleted > 0
