"""API authentication by personal API tokens, and the permission every partner API asks for.

A request carries ``Authorization: Token <key>``; only the key's SHA-256 digest is stored, so a
leaked database does not leak working keys. A user may hold several named tokens and revoke
each one on its own (Settings > API tokens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import structlog
from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partners.models import Membership
from partners.services import api_token_user
from partners.tenancy import PartnerApiRequest

if TYPE_CHECKING:
    from rest_framework.views import APIView

KEYWORD = "Token"
MAX_KEY_LENGTH = 200


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` with a personal API token (answers 401 when wrong)."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, None] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: use 'Authorization: Token <key>'."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        user = api_token_user(key=key) if len(key) <= MAX_KEY_LENGTH else None
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class IsPartnerMember(BasePermission):
    """A signed-in member of a partner organisation; sets ``request.partner`` and ``membership``."""

    message = "This account is not a member of a partner organisation."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        membership = Membership.objects.select_related("partner").filter(user_id=user.pk).first()
        if membership is None:
            return False
        member_request = cast(PartnerApiRequest, request)
        member_request.membership = membership
        member_request.partner = membership.partner
        # Log lines written while the API answers carry who asked, as a page's do.
        structlog.contextvars.bind_contextvars(user_id=user.pk, partner_id=membership.partner_id)
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token scheme in the OpenAPI schema."""

    target_class = "partners.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token from Settings > API tokens: `Token <key>`.",
        }
