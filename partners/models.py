"""Partner organisations, their members and roles, and their Partner Development Managers."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField


class PartnerManagerContact(models.Model):
    """A vendor employee who looks after partners: the Partner Development Manager (PDM)."""

    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Partner Development Manager"

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A solutions partner: an agency that sells and services the vendor's product."""

    name = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    country = CountryField()
    payout_currency = models.CharField(max_length=3, default="USD")
    certified_until = models.DateField(
        null=True, blank=True, help_text="Solutions Partner certification valid until this date."
    )
    pdm = models.ForeignKey(
        PartnerManagerContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name="Partner Development Manager",
    )
    elite_invited = models.BooleanField(default=False, help_text="Invited to the Elite tier.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_certified_on(self, on: date) -> bool:
        return self.certified_until is not None and on <= self.certified_until


class Membership(models.Model):
    """A user's place in one partner organisation."""

    class Role(models.TextChoices):
        SUPER_ADMIN = "super_admin", "Super admin"
        USER = "user", "User"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.USER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__name", "user__email"]
        indexes = [models.Index(fields=["partner", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    @property
    def is_super_admin(self) -> bool:
        return self.role == self.Role.SUPER_ADMIN


class BetaFeature(models.Model):
    """A feature partners can try before it ships to everyone, with the terms they accept."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    terms = models.TextField(help_text="The beta terms a user accepts before opting in.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BetaOptIn(models.Model):
    """A user's opt-in to a beta feature: when the terms were accepted, and by whom.

    ``opted_in_by`` is the super admin who opted every member in, or the user themselves.
    """

    feature = models.ForeignKey(BetaFeature, on_delete=models.CASCADE, related_name="opt_ins")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="beta_opt_ins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="beta_opt_ins"
    )
    opted_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    terms_accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["feature", "user_id"]
        verbose_name = "beta opt-in"
        constraints = [
            models.UniqueConstraint(fields=["feature", "user"], name="beta_opt_in_once"),
        ]
        indexes = [models.Index(fields=["partner", "feature"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.feature}"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 digest is stored, the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, to tell keys apart."
    )
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_while_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, on: datetime | None = None) -> InvitationQuerySet:
        """Invitations that can still be accepted: not accepted, not revoked, not expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=on or timezone.now()
        )


class Invitation(models.Model):
    """An invitation for an email address to join a partner with a role.

    Nothing is attached to an account until its owner accepts through the signed link sent to
    the address; ``nonce`` is part of the link, and a resend replaces it so that older links
    stop working.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "partner",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_open_once_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.partner} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class UserSession(models.Model):
    """A signed-in session of a user, so that removing a member can end all of their sessions
    (sessions live in the database without a user column)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user"])]

    def __str__(self) -> str:
        return f"session of {self.user}"
