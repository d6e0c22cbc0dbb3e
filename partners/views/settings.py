"""Partner > Settings: account, beta features (S1), team (S2) and API tokens (S3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.redirects import safe_next_url
from partners.forms import ApiTokenCreateForm, BetaOptInForm, InvitationForm, TeamRoleForm
from partners.models import BetaFeature, Invitation, Membership
from partners.selectors import team_members
from partners.services import (
    InvitationError,
    InvitationNotOpen,
    TeamError,
    TokenError,
    api_token_create,
    api_token_revoke,
    api_tokens_of,
    beta_features_for,
    beta_opt_in,
    beta_opt_in_everyone,
    beta_opt_out,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitations_of,
    team_member_remove,
    team_member_role_set,
)
from partners.tasks import invitation_send_task
from partners.tenancy import PartnerRequest, partner_required, super_admin_required


@partner_required
def settings_account(request: PartnerRequest) -> HttpResponse:
    members = team_members(partner=request.partner)
    return render(request, "partners/settings.html", {"members": members, "section": "account"})


@partner_required
def settings_beta(request: PartnerRequest) -> HttpResponse:
    features = beta_features_for(partner=request.partner, user=cast(User, request.user))
    return render(request, "partners/settings_beta.html", {"features": features, "section": "beta"})


@partner_required
def settings_beta_feature(request: PartnerRequest, key: str) -> HttpResponseBase:
    """GET: the terms dialog (an htmx partial, or a page without JavaScript). POST: opt in/out."""
    feature = get_object_or_404(BetaFeature, key=key)
    partner, membership = request.partner, request.membership
    next_url = safe_next_url(request, reverse("partners:settings-beta"))
    form = BetaOptInForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            action = form.cleaned_data["action"]
            accepted = form.cleaned_data["accept_terms"]
            try:
                if action == BetaOptInForm.OPT_OUT:
                    beta_opt_out(partner=partner, user=cast(User, request.user), feature=feature)
                    messages.success(request, f"You have left the {feature.name} beta.")
                elif action == BetaOptInForm.OPT_IN_EVERYONE:
                    if not membership.is_super_admin:
                        raise PermissionDenied(
                            "Only a super admin of this partner can opt every user in."
                        )
                    count = beta_opt_in_everyone(
                        partner=partner,
                        by=cast(User, request.user),
                        feature=feature,
                        terms_accepted=accepted,
                    )
                    messages.success(
                        request,
                        f"Every user of {partner.name} is now in the {feature.name} beta "
                        f"({count} newly opted in).",
                    )
                else:
                    beta_opt_in(
                        partner=partner,
                        user=cast(User, request.user),
                        feature=feature,
                        terms_accepted=accepted,
                    )
                    messages.success(request, f"You are now trying the {feature.name} beta.")
            except TeamError as error:
                form.add_error(None, str(error))
            else:
                return HttpResponseRedirect(next_url)
        status = 400
    else:
        status = 200
    template = "partners/settings_beta_feature.html"
    if request.htmx and request.method == "GET":
        template += "#beta-dialog"
    return render(
        request,
        template,
        {"feature": feature, "form": form, "next": next_url, "section": "beta"},
        status=status,
    )


def _team_page(request: PartnerRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "members": team_members(partner=request.partner),
        "invitations": invitations_of(partner=request.partner),
        "add_form": InvitationForm(),
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
        "roles": Membership.Role.choices,
        "section": "team",
        **extra,
    }
    return render(request, "partners/settings_team.html", context, status=status)


def _mail_after_commit(invitation: Invitation) -> None:
    pk, nonce = invitation.pk, invitation.nonce
    transaction.on_commit(lambda: invitation_send_task.delay(pk, nonce))


@super_admin_required
def settings_team(request: PartnerRequest) -> HttpResponse:
    """The team and its open invitations; POST invites an email with a role."""
    if request.method != "POST":
        return _team_page(request)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, add_form=form)
    try:
        invitation = invitation_create(
            partner=request.partner,
            by=cast(User, request.user),
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except InvitationError as error:
        form.add_error("email", str(error))
        return _team_page(request, status=400, add_form=form)
    _mail_after_commit(invitation)
    messages.success(
        request,
        f"Invitation sent to {invitation.email}: they join once they accept it from the mail.",
    )
    return HttpResponseRedirect(reverse("partners:settings-team"))


def _invitation_changed(
    request: PartnerRequest, invitation_id: int, change: Callable[..., Invitation]
) -> Invitation | HttpResponse:
    """Apply ``change`` (resend or revoke) to one of the partner's open invitations, or the
    team page with why not: 404 for no such open invitation, 400 for any other refusal."""
    try:
        return change(partner=request.partner, invitation_id=invitation_id)
    except InvitationError as error:
        status = 404 if isinstance(error, InvitationNotOpen) else 400
        return _team_page(request, status=status, error=str(error))


@require_POST
@super_admin_required
def settings_invitation_resend(request: PartnerRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_changed(request, invitation_id, invitation_resend)
    if isinstance(invitation, HttpResponse):
        return invitation
    _mail_after_commit(invitation)
    messages.success(
        request, f"Invitation sent again to {invitation.email}; older links no longer work."
    )
    return HttpResponseRedirect(reverse("partners:settings-team"))


@require_POST
@super_admin_required
def settings_invitation_revoke(request: PartnerRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_changed(request, invitation_id, invitation_revoke)
    if isinstance(invitation, HttpResponse):
        return invitation
    messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return HttpResponseRedirect(reverse("partners:settings-team"))


@require_POST
@super_admin_required
def settings_team_role(request: PartnerRequest, membership_id: int) -> HttpResponse:
    member = get_object_or_404(Membership, partner=request.partner, pk=membership_id)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, error="Choose a valid role.")
    try:
        team_member_role_set(
            partner=request.partner,
            membership_id=member.pk,
            role=form.cleaned_data["role"],
        )
    except TeamError as error:
        return _team_page(request, status=400, error=str(error))
    role = Membership.Role(form.cleaned_data["role"]).label.lower()
    messages.success(request, f"{member.user.email} is now a {role}.")
    return redirect("partners:settings-team")


@require_POST
@super_admin_required
def settings_team_remove(request: PartnerRequest, membership_id: int) -> HttpResponse:
    member = get_object_or_404(Membership, partner=request.partner, pk=membership_id)
    try:
        team_member_remove(partner=request.partner, membership_id=member.pk)
    except TeamError as error:
        return _team_page(request, status=400, error=str(error))
    messages.success(request, f"{member.user.email} has been removed from your team.")
    if member.user_id == cast(User, request.user).pk:
        return redirect("home")
    return redirect("partners:settings-team")


def _tokens_page(request: PartnerRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "tokens": api_tokens_of(user=cast(User, request.user)),
        "form": ApiTokenCreateForm(),
        "section": "api-tokens",
        **extra,
    }
    return render(request, "partners/settings_api_tokens.html", context, status=status)


@never_cache
@partner_required
def settings_api_tokens(request: PartnerRequest) -> HttpResponse:
    if request.method != "POST":
        return _tokens_page(request)
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, status=400, form=form)
    try:
        token, key = api_token_create(user=cast(User, request.user), name=form.cleaned_data["name"])
    except TokenError as error:
        form.add_error("name", str(error))
        return _tokens_page(request, status=400, form=form)
    return _tokens_page(request, new_token=token, new_key=key)


@require_POST
@partner_required
def settings_api_token_revoke(request: PartnerRequest, token_id: int) -> HttpResponse:
    if not api_token_revoke(user=cast(User, request.user), token_id=token_id):
        return _tokens_page(request, status=404, error="No such active token.")
    messages.success(request, "The token has been revoked: it no longer works.")
    return redirect("partners:settings-api-tokens")


urlpatterns = [
    path("settings/", settings_account, name="settings"),
    path("settings/beta/", settings_beta, name="settings-beta"),
    path("settings/beta/<slug:key>/", settings_beta_feature, name="settings-beta-feature"),
    path("settings/team/", settings_team, name="settings-team"),
    path("settings/team/<int:membership_id>/role/", settings_team_role, name="settings-team-role"),
    path(
        "settings/team/invitations/<int:invitation_id>/resend/",
        settings_invitation_resend,
        name="settings-invitation-resend",
    ),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        settings_invitation_revoke,
        name="settings-invitation-revoke",
    ),
    path(
        "settings/team/<int:membership_id>/remove/",
        settings_team_remove,
        name="settings-team-remove",
    ),
    path("settings/api-tokens/", settings_api_tokens, name="settings-api-tokens"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        settings_api_token_revoke,
        name="settings-api-token-revoke",
    ),
]
