"""Authentication by email, whatever its case."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from partners.security import accounts_named


class EmailBackend(ModelBackend):
    """Django's model backend, looking the account up by its normalised email or username
    (``partners.security.accounts_named``); both are unique whatever their case
    (migration ``partners/0004``), so at most one account matches."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = accounts_named(username).first()
        if user is None:
            # Run the hasher once anyway, so that an unknown email takes as long as a known one.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
