"""Tenancy helpers: every partner page and API endpoint runs with ``request.partner`` set, or
not at all."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from partners.models import Membership, Partner


class PartnerRequest(HttpRequest):
    """A request to a partner page or endpoint, as the views see it.

    ``PartnerMiddleware`` sets ``partner`` and ``membership`` (None for a user without a
    partner; ``partner_required`` lets only members through, so there they are set) and
    django-htmx's middleware sets ``htmx``. Views annotate their request with this type
    instead of reaching for attributes ``HttpRequest`` does not declare.
    """

    partner: Partner
    membership: Membership
    htmx: HtmxDetails


class PartnerApiRequest(Request):
    """A request to a partner API endpoint, as the API views see it.

    ``IsPartnerMember`` sets ``partner`` and ``membership`` before the view runs (the views of
    ``partners.api`` ask for it), so there they are set.
    """

    partner: Partner
    membership: Membership


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def partner_required(view: ViewFunc) -> ViewFunc:
    """Signed-in members of a partner only; anyone else is sent to log in or refused (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "partner", None) is None:
            raise PermissionDenied("This account is not a member of a partner organisation.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def super_admin_required(view: ViewFunc) -> ViewFunc:
    """A partner's super admins only (403 for its standard users)."""

    @partner_required
    @wraps(view)
    def wrapper(request: PartnerRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.membership.is_super_admin:
            raise PermissionDenied("Only a super admin of this partner can do that.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
