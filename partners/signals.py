"""Keeps ``UserSession`` in step with logins and logouts, and login names normalised."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from partners.models import UserSession
from partners.security import normalise_email
from partners.services import user_session_record


@receiver(user_logged_in, dispatch_uid="partners.session_recorded")
def _session_recorded(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and user is not None:
        if session.session_key is None:
            session.save()
        user_session_record(user=user, session_key=session.session_key)


@receiver(user_logged_out, dispatch_uid="partners.session_forgotten")
def _session_forgotten(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="partners.login_names")
def _login_names_normalised(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Emails and usernames are stored as the login form compares them (NFKC, trimmed, lower
    case), so that one exact comparison finds an account on every database."""
    instance.username = normalise_email(instance.username)
    instance.email = normalise_email(instance.email)
