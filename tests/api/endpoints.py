"""Every ``/api/v1/`` read, as URLs for a grown partner (see ``conftest.grow``)."""

from __future__ import annotations

from .conftest import Grown

API = "/api/v1"


def list_urls(grown: Grown) -> dict[str, str]:
    """The paginated list endpoints, each answering CSV and XLSX too."""
    return {
        "breakdown": f"{API}/tier/breakdown/",
        "point change rows": f"{API}/points/changes/new_sold/?range=last_30_days",
        "ledger": f"{API}/points/ledger/",
        "clients": f"{API}/clients/",
        "deals": f"{API}/deals/",
        "renewals": f"{API}/renewals/",
        "commission lines": f"{API}/commissions/lines/",
        "commission payments": f"{API}/commissions/payments/",
        "lists": f"{API}/lists/",
        "list clients": f"{API}/lists/{grown.static_list.pk}/clients/",
        "reports": f"{API}/reports/",
        "report run": f"{API}/reports/{grown.report.pk}/run/",
    }


def object_urls(grown: Grown) -> dict[str, str]:
    """The endpoints of one object of the partner's (another partner's answers 404)."""
    client = grown.clients[0].pk
    return {
        "client": f"{API}/clients/{client}/",
        "client points": f"{API}/clients/{client}/points/",
        "list": f"{API}/lists/{grown.static_list.pk}/",
        "list clients": f"{API}/lists/{grown.static_list.pk}/clients/",
        "report": f"{API}/reports/{grown.report.pk}/",
        "report run": f"{API}/reports/{grown.report.pk}/run/",
    }


SUMMARY_URLS = {
    "me": f"{API}/me/",
    "standing": f"{API}/tier/standing/",
    "insights": f"{API}/tier/insights/",
    "history": f"{API}/points/history/",
    "point changes": f"{API}/points/changes/",
}
