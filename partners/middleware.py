"""Attaches the signed-in user's partner organisation to every request as ``request.partner``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from partners.models import Membership
from partners.tenancy import PartnerRequest


class PartnerMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PartnerRequest) -> HttpResponse:
        # None until a membership is found: only ``partner_required`` views may rely on them.
        request.partner = None  # type: ignore[assignment]
        request.membership = None  # type: ignore[assignment]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = (
                Membership.objects.select_related("partner").filter(user_id=user.pk).first()
            )
            if membership is not None:
                request.membership = membership
                request.partner = membership.partner
        return self.get_response(request)
