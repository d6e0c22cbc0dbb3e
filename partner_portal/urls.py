from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from partners.views import accounts

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="partners:dashboard", permanent=False), name="home"),
    path("accounts/", include(accounts.urlpatterns)),
    path("healthz", views.healthz, name="healthz"),
    path("partner/", include("partners.urls")),
    path("partner/tier/", include("tiers.urls")),
    path("partner/clients/", include("clients.urls")),
    path("partner/", include("clients.urls_lists")),
    path("partner/commissions/", include("commissions.urls")),
    path("api/v1/", include("partner_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
