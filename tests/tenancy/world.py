"""The two partners of the URL walk: their objects, the words only their rows contain, and who
may act on what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import SavedReport, StaticList, StaticListMember
from partners.models import Invitation
from partners.services import api_token_create, invitation_create, invitation_token
from tests.conftest import Personas
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MembershipFactory,
    MrrFactory,
    RenewalFactory,
)

PERSONAS = ("anonymous", "alice", "bob", "carol", "staff")
MEMBERS = {"alice": "acme", "bob": "acme", "carol": "globex", "dave": "globex"}
#: Words that appear only in one partner's rows: none may reach the other partner.
MARKERS = {
    "acme": ("Zephyr", "zephyr-acme", "Acme Secret", "bob@acme.test", "alice@acme.test"),
    "globex": ("Quokka", "quokka-globex", "Globex Secret", "dave@globex.test"),
}
OTHER = {"acme": "globex", "globex": "acme"}
#: Who may act on an object: any member of its partner, only the super admin who made it, or
#: (a delete of a list or saved report) the member who made it and the partner's super admins.
#: The walk's lists and reports have no maker, so only the super admins may delete them.
OWNERS: dict[str, dict[str, tuple[str, ...]]] = {
    "partner": {"acme": ("alice", "bob"), "globex": ("carol",)},
    "admin": {"acme": ("alice",), "globex": ("carol",)},
    "creator": {"acme": ("alice",), "globex": ("carol",)},
}
#: The answer of a member of the object's partner who is not among its owners: an object of
#: "admin" is not shown to the others at all, one of "creator" is shown but may not be deleted.
REFUSED = {"partner": "404", "admin": "404", "creator": "403"}


# --- the two partners' data ---------------------------------------------------------------------


@dataclass
class Owned:
    """One partner's objects, by the URL parameter they fill."""

    client: int
    static_list: int
    report: int
    payment: int
    membership: int  # a standard user's membership (the team actions' target)
    token: int  # the super admin's API token
    token_key: str
    invitation: int  # an open invitation to the partner
    invitation_token: str


@dataclass
class World:
    personas: Personas
    owned: dict[str, Owned]
    month: str  # a statement month both partners have lines in
    keys: dict[str, str] = field(default_factory=dict)  # persona -> API token key


def partner_data(personas: Personas, name: str, word: str, user_email: str) -> Owned:
    partner = getattr(personas, name)
    today = timezone.localdate()
    client = ClientFactory(name=f"{word} Client", domain=f"{word.lower()}-{name}.example")
    MrrFactory(client=client, date=today - timedelta(days=400), mrr=Decimal("2000"))
    DealFactory(
        partner=partner,
        client=client,
        name=f"{word} Deal",
        closed_on=today - timedelta(days=120),
        created_on=today - timedelta(days=150),
    )
    AssignmentFactory(partner=partner, client=client, start=today - timedelta(days=100))
    RenewalFactory(client=client, date=today + timedelta(days=30))
    static_list = StaticList.objects.create(partner=partner, name=f"{name.title()} Secret List")
    StaticListMember.objects.create(list=static_list, client=client)
    report = SavedReport.objects.create(
        partner=partner,
        name=f"{name.title()} Secret Report",
        kind=SavedReport.Kind.NEW_SOLD,
        range_preset="last_12_months",
        start=today - timedelta(days=364),
        end=today,
    )
    member = (
        MembershipFactory(partner=partner, user__email=user_email)
        if name == "globex"
        else personas.bob
    )
    admin = personas.alice if name == "acme" else personas.carol
    token, key = api_token_create(user=admin.user, name=f"{word} token")
    invitation = invitation_create(
        partner=partner, by=admin.user, email=f"{word.lower()}-invitee@example.test", role="user"
    )
    # sent an hour ago, so that a resend is due
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    return Owned(
        client=client.pk,
        static_list=static_list.pk,
        report=report.pk,
        payment=0,
        membership=member.pk,
        token=token.pk,
        token_key=key,
        invitation=invitation.pk,
        invitation_token=invitation_token(invitation),
    )
