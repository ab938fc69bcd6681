"""Without SECRET_KEY outside debug, nothing may serve; migration tooling still works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from insignia.core.checks import SECRET_KEY_MISSING, check_secret_key

ROOT = Path(__file__).resolve().parents[3]


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSIGNIA_", "DJANGO_"))}
    env.pop("SECRET_KEY", None)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def test_deploy_check_reports_a_missing_secret_key(settings):
    settings.INSIGNIA_SECRET_KEY_MISSING = True
    assert check_secret_key(None) == [SECRET_KEY_MISSING]
    settings.INSIGNIA_SECRET_KEY_MISSING = False
    assert check_secret_key(None) == []


@pytest.mark.parametrize(
    ("code", "ok", "expected"),
    [
        ("import config.wsgi", False, "SECRET_KEY is not set"),
        (
            "import django; django.setup(); from django.core import signing; signing.dumps(1)",
            False,
            "SECRET_KEY",
        ),
        (
            "import django; django.setup(); from django.core.management import call_command; "
            "call_command('makemigrations', '--check', '--dry-run')",
            True,
            "",
        ),
    ],
    ids=["wsgi-refuses", "signing-refuses", "makemigrations-works"],
)
def test_without_a_secret_key_serving_and_signing_refuse(code, ok, expected):
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode == 0) is ok, result.stderr[-2000:]
    assert expected in result.stderr
