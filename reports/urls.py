"""Static lists (C2), saved reports (C3) and the report dialog actions, under /partner/.

Included from partner_portal/urls.py as ``path("partner/", include("reports.urls"))``.
"""

from __future__ import annotations

from django.urls import path

from reports import views

app_name = "lists"

urlpatterns = [
    path("lists/", views.lists_index, name="lists"),
    path("lists/add/", views.list_add, name="list-add"),
    path("lists/<int:list_id>/", views.list_detail, name="list-detail"),
    path("lists/<int:list_id>/rename/", views.list_rename, name="list-rename"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="list-delete"),
    path("lists/<int:list_id>/remove/", views.list_remove_client, name="list-remove"),
    path("lists/<int:list_id>/export/", views.list_export, name="list-export"),
    path("reports/", views.reports_index, name="reports"),
    path("reports/export/", views.report_export, name="report-export"),
    path("reports/save/", views.report_save, name="report-save"),
    path("reports/<int:report_id>/", views.report_detail, name="report-detail"),
    path("reports/<int:report_id>/rename/", views.report_rename, name="report-rename"),
    path("reports/<int:report_id>/delete/", views.report_delete, name="report-delete"),
]
