from __future__ import annotations

from django.urls import path, re_path

from commissions import views

app_name = "commissions"

urlpatterns = [
    path("", views.statements, name="statements"),
    path("export/", views.statements_export, name="statements_export"),
    re_path(r"^statements/(?P<month>\d{4}-\d{2})/$", views.statement, name="statement"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:pk>/", views.payment, name="payment"),
]
