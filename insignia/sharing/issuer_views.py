"""The issuer's share report: how each badge template is viewed, embedded, shared, downloaded."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from insignia.issuers.permissions import Capability
from insignia.issuers.views import IssuerAccess, _render, issuer_view
from insignia.sharing import selectors


@issuer_view(Capability.VIEW)
def share_report(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    report = selectors.issuer_share_report(issuer=access.issuer, today=timezone.localdate())
    return _render(
        request,
        "sharing/issuer_report.html",
        access,
        "reports",
        {
            "report": report,
            "networks": [label for _key, label in selectors.REPORT_NETWORKS],
            "days": selectors.REPORT_DAYS,
        },
    )
