"""End to end with real components: a Celery worker process (Redis broker) delivering the
outbox to a real SMTP server (aiosmtpd) started here, including an outage and recovery.

Skipped, with the reason, only when Redis is unreachable.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.notifications.models import OutboxMessage, OutboxState
from insignia.notifications.services import outbox_sweep
from insignia.testing.factories import BadgeTemplateFactory
from insignia.testing.workers import running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[email.message.Message]:
        with self._lock:
            return list(self.messages)


def _text_part(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("No plain-text part.")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def worker(celery_to, smtp, tmp_path) -> Iterator[Path]:
    """A real ``celery worker`` (2 processes) on the test database and our SMTP server."""
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "5",
        # Seconds, not minutes, so the outage shows several retries within the test.
        "INSIGNIA_OUTBOX_RETRY_BASE_SECONDS": "2",
    }
    with running_worker(broker=celery_to, tmp_path=tmp_path, env=env) as log:
        yield log


def _issue(template, n: int, prefix: str):
    return [
        award_issue(
            actor=Actor.system("test"),
            template=template,
            recipient_email=f"{prefix}{i}@example.com",
            recipient_name=f"Earner {i}",
        )
        for i in range(n)
    ]


def test_worker_delivers_each_award_email_once_and_recovers_from_an_smtp_outage(smtp, worker):
    template = BadgeTemplateFactory()

    # 1. Normal operation: one email per award, each with its own claim link.
    results = _issue(template, 5, "ok")
    try:
        wait_for(lambda: len(smtp.received()) >= 5, 60, "5 emails at the SMTP server")
    except AssertionError:
        raise AssertionError(worker.read_text()[-4000:]) from None
    received = smtp.received()
    assert sorted(m["To"] for m in received) == sorted(r.award.recipient_email for r in results)
    for result in results:
        (message,) = [m for m in received if m["To"] == result.award.recipient_email]
        claim = f"{settings.SITE_URL}/claim/{result.award.public_id}/{result.claim_token}"
        assert claim in _text_part(message)
    wait_for(
        lambda: OutboxMessage.objects.filter(state=OutboxState.SENT).count() == 5, 10, "rows sent"
    )

    # 2. Outage: the SMTP server goes away; emails wait and retry with backoff.
    smtp.stop()
    outage = _issue(template, 3, "outage")
    rows = OutboxMessage.objects.filter(award__in=[r.award for r in outage])
    wait_for(
        lambda: all(m.attempts >= 2 and m.state == OutboxState.PENDING for m in rows.all()),
        60,
        "every outage email to fail twice",
    )
    for message in rows.all():
        assert "Connection refused" in message.last_error or "Errno" in message.last_error
        assert message.next_attempt_at > message.updated_at  # backing off, not spinning
        assert message.sent_at is None
    assert len(smtp.received()) == 5

    # 3. Recovery: the server is back; the sweep re-queues; each arrives exactly once.
    smtp.start()
    smtp.messages.clear()
    assert outbox_sweep(now=timezone.now() + timezone.timedelta(minutes=10)) == 3
    wait_for(lambda: len(smtp.received()) >= 3, 60, "the 3 outage emails")
    wait_for(lambda: all(m.state == OutboxState.SENT for m in rows.all()), 10, "rows sent")
    # Let the worker's own scheduled retries fire too: they must find the rows sent.
    time.sleep(10)
    received = smtp.received()
    assert sorted(m["To"] for m in received) == [f"outage{i}@example.com" for i in range(3)]
    assert OutboxMessage.objects.filter(state=OutboxState.SENT).count() == 8
