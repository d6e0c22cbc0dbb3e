from __future__ import annotations

from django.urls import path

from reports import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("<int:client_id>/", views.client_record_view, name="record"),
]
