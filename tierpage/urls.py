from __future__ import annotations

from django.urls import path

from tierpage import views

app_name = "tiers"

urlpatterns = [
    path("", views.tier, name="tier"),
    path("breakdown/", views.breakdown, name="breakdown"),
    path("clients/<int:client_id>/", views.client, name="client"),
    path("calculator/", views.calculator, name="calculator"),
]
