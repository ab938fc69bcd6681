"""The embedded default's email backend: messages are stored in the database, not sent.

``make run`` has no mail server; a newcomer opens ``/_outbox/`` to read what would have been
sent and click its links. Never active when SMTP is configured (see ``config.settings``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from insignia.notifications.models import CapturedEmail


class LocalOutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = []
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next(
                    (str(body) for body, mime in message.alternatives if mime == "text/html"), ""
                )
            rows.append(
                CapturedEmail(
                    to=", ".join(message.recipients()),
                    from_email=str(message.from_email),
                    subject=str(message.subject),
                    text=str(message.body),
                    html=html,
                    headers={k: str(v) for k, v in message.extra_headers.items()},
                )
            )
        CapturedEmail.objects.bulk_create(rows)
        return len(rows)


def local_outbox_active() -> bool:
    from django.conf import settings

    backend: str = settings.EMAIL_BACKEND
    return backend == f"{__name__}.{LocalOutboxBackend.__name__}"
