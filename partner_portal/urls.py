from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views
from dashboard import urls as dashboard_urls
from partners import urls as partners_urls
from partners.views import accounts

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="partners:dashboard", permanent=False), name="home"),
    path("accounts/", include(accounts.urlpatterns)),
    path("healthz", views.healthz, name="healthz"),
    path(
        "partner/",
        include(([*dashboard_urls.urlpatterns, *partners_urls.urlpatterns], "partners")),
    ),
    path("partner/tier/", include("tierpage.urls")),
    path("partner/clients/", include("reports.urls_clients")),
    path("partner/", include("reports.urls")),
    path("partner/commissions/", include("commissions.urls")),
    path("api/v1/", include("partner_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
