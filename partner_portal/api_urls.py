"""``/api/v1/``: each app contributes its routes here."""

from __future__ import annotations

from django.urls import path

from commissions import apis as commissions
from partners.apis import MeApi
from points.apis import LedgerEntriesApi
from reports.apis import clients, deals, lists, point_changes, saved_reports
from tierpage import apis as tiers
from tierpage.apis import CalculatorCurrencyApi, CalculatorPointsApi

urlpatterns: list = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("tier/standing/", tiers.StandingApi.as_view(), name="api-tier-standing"),
    path("tier/insights/", tiers.InsightsApi.as_view(), name="api-tier-insights"),
    path("tier/breakdown/", tiers.BreakdownApi.as_view(), name="api-tier-breakdown"),
    path("points/history/", tiers.PointsHistoryApi.as_view(), name="api-points-history"),
    path("points/changes/", point_changes.PointChangesApi.as_view(), name="api-point-changes"),
    path(
        "points/changes/<str:kind>/",
        point_changes.PointChangeRowsApi.as_view(),
        name="api-point-change-rows",
    ),
    path("points/ledger/", LedgerEntriesApi.as_view(), name="api-ledger"),
    path("clients/", clients.ClientsApi.as_view(), name="api-clients"),
    path("clients/<str:client_id>/", clients.ClientDetailApi.as_view(), name="api-client"),
    path(
        "clients/<str:client_id>/points/",
        tiers.ClientPointsApi.as_view(),
        name="api-client-points",
    ),
    path("deals/", deals.DealsApi.as_view(), name="api-deals"),
    path("renewals/", deals.RenewalsApi.as_view(), name="api-renewals"),
    path(
        "commissions/lines/", commissions.CommissionLinesApi.as_view(), name="api-commission-lines"
    ),
    path(
        "commissions/payments/",
        commissions.CommissionPaymentsApi.as_view(),
        name="api-commission-payments",
    ),
    path("lists/", lists.StaticListsApi.as_view(), name="api-lists"),
    path("lists/<str:list_id>/", lists.StaticListApi.as_view(), name="api-list"),
    path(
        "lists/<str:list_id>/clients/",
        lists.StaticListClientsApi.as_view(),
        name="api-list-clients",
    ),
    path(
        "lists/<str:list_id>/clients/<str:client_id>/",
        lists.StaticListClientApi.as_view(),
        name="api-list-client",
    ),
    path("reports/", saved_reports.SavedReportsApi.as_view(), name="api-reports"),
    path("reports/<str:report_id>/", saved_reports.SavedReportApi.as_view(), name="api-report"),
    path(
        "reports/<str:report_id>/run/",
        saved_reports.SavedReportRunApi.as_view(),
        name="api-report-run",
    ),
    path("calculator/points/", CalculatorPointsApi.as_view(), name="api-calculator-points"),
    path("calculator/currency/", CalculatorCurrencyApi.as_view(), name="api-calculator-currency"),
]
