"""DRF's token admin is gone: its tokens are not what the API accepts (partners' ApiTokens)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token, TokenProxy

from partners.models import ApiToken

pytestmark = pytest.mark.django_db


def test_no_authtoken_model_is_registered() -> None:
    assert not admin.site.is_registered(TokenProxy)
    assert not admin.site.is_registered(Token)
    assert admin.site.is_registered(ApiToken)
    assert "authtoken" not in {model._meta.app_label for model in admin.site._registry}


def test_no_authtoken_admin_url_exists(staff: HttpClient) -> None:
    for view in ("changelist", "add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:authtoken_tokenproxy_{view}")
    for path in ("authtoken/", "authtoken/tokenproxy/", "authtoken/tokenproxy/add/"):
        response = staff.get(reverse("admin:index") + path)
        assert response.status_code == 404, path
    index = staff.get(reverse("admin:index")).content.decode()
    assert "/admin/authtoken/" not in index
    assert reverse("admin:partners_apitoken_changelist") in index
