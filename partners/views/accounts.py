"""Accounts: log in, change or reset a password, and accept an invitation to a partner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import path, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from partners.models import Invitation
from partners.security import AttemptCounter, lockout_minutes, normalise_email
from partners.services import (
    InvitationError,
    invitation_accept,
    invitation_account,
    invitation_from_token,
    user_session_record,
)

password_change_failures = AttemptCounter(
    "password-change",
    limit_setting="PASSWORD_CHANGE_FAILURE_LIMIT",
    window=settings.AXES_COOLOFF_TIME,
)
password_reset_mails = AttemptCounter(
    "password-reset", limit_setting="PASSWORD_RESET_MAILS_PER_HOUR", window=timedelta(hours=1)
)


# --- log in ---------------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    """Django's login form, with the email compared normalised and in lower case (the limits of
    ``partners.security`` apply in the authentication backends)."""

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data.get("username"))


@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def _staff_without_partner(self) -> bool:
        user = cast(User, self.request.user)
        return user.is_staff and not hasattr(user, "membership")

    def get_redirect_url(self) -> str:
        """The safe ``next``; for staff without a partner only one inside admin, as the partner
        pages (where ``next`` usually points, from the site's root) would refuse them."""
        url = super().get_redirect_url()
        if url and self._staff_without_partner() and not url.startswith(reverse("admin:index")):
            return ""
        return url

    def get_default_redirect_url(self) -> str:
        if self._staff_without_partner():
            return reverse("admin:index")
        return super().get_default_redirect_url()


# --- password change, throttled -------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, refused (429) after ``PASSWORD_CHANGE_FAILURE_LIMIT`` wrong old
    passwords until the failures age out, so that a left-open session cannot be used to guess
    the password."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if password_change_failures.exceeded(request.user.pk):
            form = self.get_form()
            form.add_error(
                None,
                "Too many wrong current passwords: changing the password is locked for "
                f"{lockout_minutes()} minutes.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: forms.Form) -> HttpResponse:
        if "old_password" in form.errors:
            password_change_failures.add(self.request.user.pk)
        return super().form_invalid(form)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        password_change_failures.clear(self.request.user.pk)
        response = super().form_valid(form)
        # update_session_auth_hash gave this session a new key: record it like a login.
        user_session_record(
            user=cast(User, self.request.user), session_key=self.request.session.session_key
        )
        return response


# --- password reset -------------------------------------------------------------------------


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends at most ``PASSWORD_RESET_MAILS_PER_HOUR`` mails per address and hour; the page
    says the same whether a mail was sent or not, so it tells nobody which emails exist."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        to_email = normalise_email(args[4] if len(args) > 4 else kwargs.get("to_email"))
        if password_reset_mails.exceeded(to_email):
            return
        password_reset_mails.add(to_email)
        super().send_mail(*args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: forms.Form) -> HttpResponse:
        portal = settings.PORTAL_URL
        self.extra_email_context = {"portal_url": portal}
        form.save(  # type: ignore[attr-defined]
            domain_override=portal.split("://", 1)[-1],
            use_https=portal.startswith("https://"),
            subject_template_name=self.subject_template_name,
            email_template_name=self.email_template_name,
            html_email_template_name=self.html_email_template_name,
            from_email=self.from_email,
            request=self.request,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")


# --- invitations ----------------------------------------------------------------------------


class NewAccountForm(forms.Form):
    """A password for the account an invitation creates, checked by the password validators."""

    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                validate_password(first, User(username=self.email, email=self.email))
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ExistingAccountForm(forms.Form):
    """The invited account's own password, to prove the person accepting owns it."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _invitation_page(
    request: HttpRequest, invitation: Invitation | None, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "registration/invitation.html",
        {"invitation": invitation, **extra},
        status=status,
    )


def _joined(request: HttpRequest, invitation: Invitation, user: User) -> HttpResponse:
    login(request, user, backend="partners.backends.EmailBackend")
    messages.success(request, f"Welcome to {invitation.partner.name}'s team.")
    return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))


@never_cache
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponseBase:
    """GET: what the invitation is, and how to accept it. POST: accept.

    An address without an account chooses a password; the owner of an existing account
    accepts signed in as it, or with its password. Nothing changes before the POST.
    """
    invitation = invitation_from_token(token)
    if invitation is None:
        return _invitation_page(request, None, status=404, problem="invalid")
    if invitation.status != "pending":
        return _invitation_page(request, invitation, status=410, problem=invitation.status)
    account = invitation_account(invitation)
    signed_in = cast(User, request.user) if request.user.is_authenticated else None
    if signed_in is not None and (account is None or signed_in.pk != account.pk):
        return _invitation_page(request, invitation, status=403, problem="other-account")
    form: forms.Form | None
    if account is None:
        form = NewAccountForm(request.POST or None, email=invitation.email)
    elif signed_in is None:
        form = ExistingAccountForm(request.POST or None)
    else:
        form = None
    if request.method != "POST":
        return _invitation_page(request, invitation, form=form, account=account)
    if form is not None and not form.is_valid():
        return _invitation_page(request, invitation, status=400, form=form, account=account)
    user = signed_in
    if isinstance(form, ExistingAccountForm):
        authenticated = authenticate(
            request, username=invitation.email, password=form.cleaned_data["password"]
        )
        if authenticated is None:
            form.add_error("password", "That is not this account's password.")
            return _invitation_page(request, invitation, status=400, form=form, account=account)
        user = cast(User, authenticated)
    try:
        membership = invitation_accept(
            invitation_id=invitation.pk,
            user=user,
            new_password=form.cleaned_data["password1"]
            if isinstance(form, NewAccountForm)
            else None,
        )
    except InvitationError as error:
        return _invitation_page(request, invitation, status=409, error=str(error))
    return _joined(request, invitation, cast(User, membership.user))


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", invitation_accept_view, name="invitation-accept"),
]
