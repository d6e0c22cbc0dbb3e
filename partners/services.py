"""Writes about a partner organisation: beta opt-ins, the team, personal API tokens.

The few reads the settings pages need sit at the end, beside the writes they go with.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import ApiToken, BetaFeature, BetaOptIn, Membership, Partner

TIER_POINTS_BETA = "tier-points"
TOKEN_PREFIX_LENGTH = 8
TEMPORARY_PASSWORD_BYTES = 12


class TeamError(ValueError):
    """A team change the program does not allow (the message is shown to the user)."""


class TokenError(ValueError):
    """A token that cannot be created (the message is shown to the user)."""


# --- beta features --------------------------------------------------------------------------


@transaction.atomic
def beta_opt_in(
    *, partner: Partner, user: User, feature: BetaFeature, terms_accepted: bool
) -> BetaOptIn:
    """Opt ``user`` into ``feature``; the terms must have been accepted (recorded with the time)."""
    if not terms_accepted:
        raise TeamError("Accept the beta terms to try this feature.")
    opt_in, _ = BetaOptIn.objects.update_or_create(
        feature=feature,
        user=user,
        defaults={"partner": partner, "opted_in_by": user, "terms_accepted_at": timezone.now()},
    )
    return opt_in


def beta_opt_out(*, partner: Partner, user: User, feature: BetaFeature) -> bool:
    """Opt ``user`` out of ``feature``; True if they were opted in."""
    deleted, _ = BetaOptIn.objects.filter(partner=partner, user=user, feature=feature).delete()
    return bool(deleted)


@transaction.atomic
def beta_opt_in_everyone(
    *, partner: Partner, by: User, feature: BetaFeature, terms_accepted: bool
) -> int:
    """Opt every member of ``partner`` into ``feature``, recorded as done by the super admin ``by``.

    Returns how many members were newly opted in; those already in keep their own record.
    """
    if not terms_accepted:
        raise TeamError("Accept the beta terms to try this feature.")
    membership = Membership.objects.filter(partner=partner, user=by).first()
    if membership is None or not membership.is_super_admin:
        raise TeamError("Only a super admin can opt every user into a beta.")
    now = timezone.now()
    already = BetaOptIn.objects.filter(feature=feature, user_id=OuterRef("user_id"))
    user_ids = list(
        Membership.objects.filter(partner=partner)
        .exclude(Exists(already))
        .values_list("user_id", flat=True)
    )
    BetaOptIn.objects.bulk_create(
        [
            BetaOptIn(
                feature=feature,
                partner=partner,
                user_id=user_id,
                opted_in_by=by,
                terms_accepted_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )
    return len(user_ids)


# --- team -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamAddition:
    membership: Membership
    temporary_password: str | None


def _super_admins_locked(partner: Partner) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(partner=partner, role=Membership.Role.SUPER_ADMIN)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def team_member_add(*, partner: Partner, email: str, role: str) -> TeamAddition:
    """Add the user with ``email`` to ``partner`` with ``role``, creating the user if needed.

    A new user gets a temporary password, returned once for the super admin to pass on.
    """
    if role not in Membership.Role.values:
        raise TeamError("Choose a role.")
    email = email.strip()
    user_model = get_user_model()
    user = user_model.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        user = user_model.objects.create_user(username=email.lower(), email=email.lower())
        user.set_password(password)
        user.save(update_fields=["password"])
    elif Membership.objects.filter(user=user).exists():
        raise TeamError("This person already belongs to a partner organisation.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, partner=partner, role=role)
    except IntegrityError as error:
        raise TeamError("This person already belongs to a partner organisation.") from error
    return TeamAddition(membership=membership, temporary_password=password)


@transaction.atomic
def team_member_role_set(*, partner: Partner, membership_id: int, role: str) -> Membership:
    """Change a member's role; the last super admin cannot be demoted."""
    if role not in Membership.Role.values:
        raise TeamError("Choose a role.")
    super_admins = _super_admins_locked(partner)
    membership = Membership.objects.select_for_update().get(partner=partner, pk=membership_id)
    if (
        membership.pk in super_admins
        and role != Membership.Role.SUPER_ADMIN
        and len(super_admins) == 1
    ):
        raise TeamError("The last super admin cannot be demoted: make someone else one first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def team_member_remove(*, partner: Partner, membership_id: int) -> None:
    """Remove a member from ``partner`` (revoking their API tokens and beta opt-ins).

    The last super admin cannot be removed.
    """
    super_admins = _super_admins_locked(partner)
    membership = Membership.objects.select_for_update().get(partner=partner, pk=membership_id)
    if membership.pk in super_admins and len(super_admins) == 1:
        raise TeamError("The last super admin cannot be removed: make someone else one first.")
    ApiToken.objects.filter(user_id=membership.user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    BetaOptIn.objects.filter(partner=partner, user_id=membership.user_id).delete()
    membership.delete()


# --- API tokens -----------------------------------------------------------------------------


def token_digest(key: str) -> str:
    """The stored form of a key: keys are random and long, so a plain SHA-256 suffices."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new named token for ``user``: returns the row and the key, which is never stored."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name.")
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise TokenError("You already have an active token with this name.")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:TOKEN_PREFIX_LENGTH], key_digest=token_digest(key)
    )
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def api_token_user(*, key: str) -> User | None:
    """The active user a key belongs to, marking the token used; None for an unknown key."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_digest=token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


# --- reads for the settings pages -----------------------------------------------------------


@dataclass(frozen=True)
class BetaFeatureState:
    feature: BetaFeature
    opt_in: BetaOptIn | None
    members_opted_in: int


def beta_features_for(*, partner: Partner, user: User) -> list[BetaFeatureState]:
    """Every beta feature with ``user``'s opt-in and how many of the partner's members are in."""
    features = list(BetaFeature.objects.order_by("name"))
    mine = {
        o.feature_id: o
        for o in BetaOptIn.objects.filter(partner=partner, user=user).select_related("opted_in_by")
    }
    counts: dict[int, int] = {}
    for feature_id in BetaOptIn.objects.filter(partner=partner).values_list(
        "feature_id", flat=True
    ):
        counts[feature_id] = counts.get(feature_id, 0) + 1
    return [BetaFeatureState(f, mine.get(f.pk), counts.get(f.pk, 0)) for f in features]


def beta_enabled(*, partner: Partner, user: User, key: str) -> bool:
    """Whether ``user`` (a member of ``partner``) has opted into the beta feature ``key``."""
    return BetaOptIn.objects.filter(partner=partner, user=user, feature__key=key).exists()


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """``user``'s tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )
