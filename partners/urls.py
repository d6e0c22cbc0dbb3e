from __future__ import annotations

from .views import dashboard, settings

app_name = "partners"

urlpatterns = [*dashboard.urlpatterns, *settings.urlpatterns]
