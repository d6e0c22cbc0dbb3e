"""Keeps ``UserSession`` in step with logins and logouts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from .models import UserSession
from .services import user_session_record


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
