"""The local outbox at /_outbox/: a developer's mailbox, mounted only with the local backend.

No login: it is a development tool for the embedded default, and ``config.urls`` does not
mount it at all when a real mail backend is configured. The HTML body is shown in a sandboxed
iframe (no scripts, no same-origin) so a message cannot act on the site.
"""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insignia.notifications import selectors
from insignia.notifications.backends import local_outbox_active

_LINK = re.compile(r"https?://[^\s<>\"']+")


def _check_active() -> None:
    # Belt and braces: settings may be overridden after the URLconf was loaded (tests).
    if not local_outbox_active():
        raise Http404("The local outbox is off: mail goes to a real server.")


@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    _check_active()
    to = request.GET.get("to", "").strip()
    page = Paginator(selectors.captured_emails(to=to), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox_list.html", {"page": page, "to": to})


@require_GET
def outbox_message(request: HttpRequest, public_id: str) -> HttpResponse:
    _check_active()
    email = selectors.captured_email(public_id=public_id)
    if email is None:
        raise Http404("No such message.")
    # Sentence punctuation after a URL in plain text is not part of it.
    links = list(dict.fromkeys(link.rstrip(").,;:!?") for link in _LINK.findall(email.text)))
    return render(request, "notifications/outbox_message.html", {"email": email, "links": links})


@require_GET
def outbox_message_html(request: HttpRequest, public_id: str) -> HttpResponse:
    _check_active()
    email = selectors.captured_email(public_id=public_id)
    if email is None or not email.html:
        raise Http404("No such message.")
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    # Shown inside our own page's iframe; links open in the top window (target=_top).
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Content-Security-Policy"] = (
        "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; "
        "img-src * data:; style-src 'unsafe-inline'"
    )
    return response
