"""Writes about a partner organisation: beta opt-ins, the team and its invitations, sessions,
personal API tokens.

The few reads the settings pages need sit at the end, beside the writes they go with.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core.audit import acting_as, save_each
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Membership,
    Partner,
    UserSession,
)
from partners.security import AttemptCounter, accounts_named, normalise_email

TIER_POINTS_BETA = "tier-points"
TOKEN_PREFIX_LENGTH = 8


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
    created = 0
    for user_id in user_ids:  # one by one, so that the audit log records each opt-in
        _opt_in, new = BetaOptIn.objects.get_or_create(
            feature=feature,
            user_id=user_id,
            defaults={"partner": partner, "opted_in_by": by, "terms_accepted_at": now},
        )
        created += new
    return created


# --- team -----------------------------------------------------------------------------------


def _super_admins_locked(partner: Partner) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(partner=partner, role=Membership.Role.SUPER_ADMIN)
        .values_list("pk", flat=True)
    )


# --- invitations ----------------------------------------------------------------------------

INVITATION_SALT = "partners.invitation"


class InvitationError(ValueError):
    """An invitation that cannot be sent or accepted (the message is shown to the user)."""


class InvitationNotOpen(InvitationError):
    """No open invitation of the partner has that id (answered like any unknown object)."""


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


def invitation_token(invitation: Invitation) -> str:
    """The signed part of an invitation's link: its id and current nonce."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names, if its signature holds and its nonce is still current;
    None otherwise (forged, garbled, too old, or replaced by a resend)."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        invitation_id, nonce = signing.loads(token[:500], salt=INVITATION_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(invitation_id, int) or not isinstance(nonce, str):
        return None
    invitation = (
        Invitation.objects.select_related("partner", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return None
    return invitation


ALREADY_ON_TEAM = "This person is already on your team."
CANNOT_JOIN = "This address cannot join a partner team."


def _invitable_account_problem(*, partner: Partner, email: str) -> str | None:
    """Why ``email`` cannot join ``partner`` (its account is already on the team, belongs to
    another partner, is a staff account or inactive), or None if it can."""
    account = accounts_named(email).select_related("membership").first()
    if account is None:
        return None
    membership = getattr(account, "membership", None)
    if membership is not None and membership.partner_id == partner.pk:
        return ALREADY_ON_TEAM
    if membership is not None or account.is_staff or account.is_superuser:
        return CANNOT_JOIN
    if not account.is_active:
        return CANNOT_JOIN
    return None


invitation_mails = AttemptCounter(
    "invitation-mails", limit_setting="INVITATION_MAILS_PER_DAY", window=timedelta(days=1)
)


def invitation_mail_send(*, invitation_id: int, nonce: str) -> bool:
    """Mail the invitation's link to its address, in plain text and HTML.

    Sends nothing (False) when the invitation is no longer open or ``nonce`` has been replaced
    by a resend, so that a late or repeated delivery never mails a stale link.
    """
    invitation = (
        Invitation.objects.select_related("partner", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.nonce != nonce or invitation.status != "pending":
        return False
    if _invitable_account_problem(partner=invitation.partner, email=invitation.email):
        # Never delivered to a staff account or another partner's member: the inviter is told
        # nothing about whose addresses have accounts, and the link could not be accepted.
        return False
    link = settings.PORTAL_URL + reverse("invitation-accept", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "link": link, "portal_url": settings.PORTAL_URL}
    subject = render_to_string("partners/email/invitation_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("partners/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("partners/email/invitation.html", context), "text/html"
    )
    message.send()
    return True


@transaction.atomic
def invitation_create(*, partner: Partner, by: User, email: str, role: str) -> Invitation:
    """Invite ``email`` to ``partner`` with ``role`` (``invitation_send_task`` mails the link).

    Only a super admin of ``partner`` invites; one open invitation per address and partner,
    and at most ``INVITATION_MAILS_PER_DAY`` mails (invitations and resends) per partner. An
    address whose account is a staff account or another partner's member gets an invitation
    that is never mailed and cannot be accepted: the answer is the same as for anyone else,
    so a partner cannot learn who has an account.
    """
    if role not in Membership.Role.values:
        raise InvitationError("Choose a role.")
    inviter = Membership.objects.filter(partner=partner, user=by).first()
    if inviter is None or not inviter.is_super_admin:
        raise InvitationError("Only a super admin can invite people.")
    email = normalise_email(email)
    if _invitable_account_problem(partner=partner, email=email) == ALREADY_ON_TEAM:
        raise InvitationError(ALREADY_ON_TEAM)
    _invitation_mail_allowed(partner)
    open_invitations = Invitation.objects.filter(
        partner=partner, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    # An expired invitation no longer stands in the way: it is revoked and replaced.
    save_each(open_invitations.filter(expires_at__lte=timezone.now()), revoked_at=timezone.now())
    already = InvitationError("This address has been invited already: resend that invitation.")
    if open_invitations.exists():
        raise already
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                partner=partner,
                email=email,
                role=role,
                invited_by=by,
                nonce=secrets.token_urlsafe(16),
                sent_at=timezone.now(),
                expires_at=_invitation_expiry(),
            )
    except IntegrityError as error:  # the same address invited at the same moment
        raise already from error
    invitation_mails.add(partner.pk)
    return invitation


def _invitation_mail_allowed(partner: Partner) -> None:
    if invitation_mails.exceeded(partner.pk):
        raise InvitationError(
            f"Your team has sent {settings.INVITATION_MAILS_PER_DAY} invitations today: "
            "try again tomorrow."
        )


def _open_invitation_locked(*, partner: Partner, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(partner=partner, pk=invitation_id, accepted_at__isnull=True)
        .filter(revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise InvitationNotOpen("This invitation is no longer open.")
    return invitation


@transaction.atomic
def invitation_resend(*, partner: Partner, invitation_id: int) -> Invitation:
    """Mail an open invitation again with a new link; earlier links stop working, and it is
    valid for the full period again."""
    invitation = _open_invitation_locked(partner=partner, invitation_id=invitation_id)
    wait = invitation.sent_at + timedelta(minutes=settings.INVITATION_RESEND_MINUTES)
    if wait > timezone.now():
        minutes = max(1, round((wait - timezone.now()).total_seconds() / 60))
        raise InvitationError(
            f"This invitation was sent moments ago: resend it in {minutes} minutes at the earliest."
        )
    _invitation_mail_allowed(partner)
    invitation.nonce = secrets.token_urlsafe(16)
    invitation.sent_at = timezone.now()
    invitation.expires_at = _invitation_expiry()
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    invitation_mails.add(partner.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, partner: Partner, invitation_id: int) -> Invitation:
    """Withdraw an open invitation: its link stops working."""
    invitation = _open_invitation_locked(partner=partner, invitation_id=invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_account(invitation: Invitation) -> User | None:
    """The existing account of the invited address, if there is one."""
    return accounts_named(invitation.email).first()


@transaction.atomic
def invitation_accept(
    *, invitation_id: int, user: User | None = None, new_password: str | None = None
) -> Membership:
    """Accept an invitation: the owner of an existing account (``user``, already signed in or
    authenticated with their password by the caller) joins; or, when the address has no
    account, a new one is created with ``new_password`` (validated by the caller).

    Re-checked under a lock, so that a link used twice at once makes one membership.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("partner").get(pk=invitation_id)
    )
    if invitation.status != "pending":
        raise InvitationError("This invitation has already been used, revoked or has expired.")
    account = invitation_account(invitation)
    if account is None:
        if user is not None or not new_password:
            raise InvitationError("Choose a password to create your account.")
        try:
            with transaction.atomic():
                account = get_user_model().objects.create_user(
                    username=invitation.email, email=invitation.email, password=new_password
                )
        except IntegrityError as error:  # the name was taken at the same moment
            raise InvitationError(CANNOT_JOIN) from error
    elif user is None or user.pk != account.pk:
        raise InvitationError("Sign in as the invited account to accept.")
    problem = _invitable_account_problem(partner=invitation.partner, email=invitation.email)
    if problem:
        raise InvitationError(problem)
    with acting_as(account):  # the audit log's actor, also for a new account not signed in yet
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=account, partner=invitation.partner, role=invitation.role
                )
        except IntegrityError as error:
            raise InvitationError(CANNOT_JOIN) from error
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitations_of(*, partner: Partner) -> QuerySet[Invitation]:
    """``partner``'s invitations that are still open or recently ended, newest first."""
    return Invitation.objects.filter(
        partner=partner, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


# --- sessions -------------------------------------------------------------------------------


def user_session_record(*, user: User, session_key: str | None) -> None:
    """Remember that ``session_key`` is signed in as ``user``."""
    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def user_sessions_end(*, user_id: int) -> int:
    """Sign ``user_id`` out everywhere: delete every session recorded for them."""
    keys = list(UserSession.objects.filter(user_id=user_id).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user_id=user_id).delete()
    return len(keys)


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
    """Remove a member from ``partner``: their API tokens are revoked, their beta opt-ins
    dropped and every session they are signed in with ended.

    The last super admin cannot be removed.
    """
    super_admins = _super_admins_locked(partner)
    membership = Membership.objects.select_for_update().get(partner=partner, pk=membership_id)
    if membership.pk in super_admins and len(super_admins) == 1:
        raise TeamError("The last super admin cannot be removed: make someone else one first.")
    tokens = ApiToken.objects.filter(user_id=membership.user_id, revoked_at__isnull=True)
    save_each(tokens, revoked_at=timezone.now())
    BetaOptIn.objects.filter(partner=partner, user_id=membership.user_id).delete()
    membership.delete()
    user_sessions_end(user_id=membership.user_id)


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
    tokens = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True)
    return bool(save_each(tokens, revoked_at=timezone.now()))


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
