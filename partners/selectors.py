"""Reads about a partner organisation: its team and its PDM."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.models import Membership, Partner, PartnerManagerContact


def team_members(*, partner: Partner) -> QuerySet[Membership]:
    """The partner's members, super admins first."""
    return (
        Membership.objects.filter(partner=partner)
        .select_related("user")
        .order_by("role", "user__email")
    )


def partner_pdm(*, partner: Partner) -> PartnerManagerContact | None:
    """D7: the partner's Partner Development Manager, or None if none is assigned."""
    return PartnerManagerContact.objects.filter(partners=partner).first()


# D1 Program progress


# D2 Tier progression ("Get to")


# D6 Upcoming renewals


# What D1's account metrics are made of
