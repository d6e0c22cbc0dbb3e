"""The dashboard's pages (D1–D7), under /partner/ in the ``partners`` URL namespace."""

from __future__ import annotations

from django.urls import path

from dashboard.views import (
    dashboard,
    dashboard_explain,
    dashboard_point_changes,
    dashboard_progression,
    dashboard_renewals,
    dashboard_report,
    dashboard_shared_selling,
    dashboard_team,
)

urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/team/", dashboard_team, name="dashboard-team"),
    path("dashboard/progression/", dashboard_progression, name="dashboard-progression"),
    path("dashboard/point-changes/", dashboard_point_changes, name="dashboard-point-changes"),
    path("dashboard/shared-selling/", dashboard_shared_selling, name="dashboard-shared-selling"),
    path("dashboard/renewals/", dashboard_renewals, name="dashboard-renewals"),
    path("dashboard/report/", dashboard_report, name="dashboard-report"),
    path("dashboard/explain/<slug:figure>/", dashboard_explain, name="dashboard-explain"),
]
