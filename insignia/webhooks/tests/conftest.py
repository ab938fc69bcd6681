"""A real HTTP receiver on 127.0.0.1 for the webhook tests, and their common fixtures."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory
from insignia.webhooks.models import EventType
from insignia.webhooks.services import endpoint_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next planned reply (then 200 forever) and records it."""

    replies: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    hold: threading.Event | None = None  # when set, each request waits until it is released
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def reply_with(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.replies.extend((status, headers or {}) for status in statuses)

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


def _handler(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, headers = receiver.replies.pop(0) if receiver.replies else (200, {})
            if receiver.delay:
                time.sleep(receiver.delay)
            if receiver.hold is not None:
                receiver.hold.wait(60)
            payload = b'{"ok": true}' if status < 300 else b"nope\x00\x1b[31m"
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the sender gave up waiting (the timeout tests)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.INSIGNIA_WEBHOOKS_ALLOW_PRIVATE = True  # our receiver lives on loopback
    rec = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/insignia"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The "has an active endpoint" answer is cached per issuer id, and ids repeat between
    # tests that roll back.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def template(issuer):
    return BadgeTemplateFactory(issuer=issuer)


@pytest.fixture
def make_endpoint(issuer):
    def make(url: str, events: list[str] | None = None, for_issuer=None):
        return endpoint_create(
            actor=Actor.system("test"),
            issuer=for_issuer or issuer,
            url=url,
            events_chosen=events or list(EventType.values),
        )

    return make
