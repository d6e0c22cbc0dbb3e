"""Authentication by email, whatever its case."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    """Django's model backend, looking the account up by email or username case-insensitively.

    Emails and usernames are unique whatever their case (migration
    ``partners/0004``), so at most one account matches.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        login = username.strip()
        user_model = get_user_model()
        user = (
            user_model._default_manager.filter(Q(username__iexact=login) | Q(email__iexact=login))
            .order_by("pk")
            .first()
        )
        if user is None:
            # Run the hasher once anyway, so that an unknown email takes as long as a known one.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return cast(User, user)
        return None
