"""The clients API: clients, deals, renewals, point changes, static lists and saved reports,
one module a resource (routed in ``partner_portal.api_urls``).

Reads go through ``clients.selectors``, ``points.selectors``, ``reports.reports`` and
``reports.selectors``, writes through ``clients.services`` and ``reports.services``; every
object is the caller's partner's.
"""
