"""Form payloads for the issuer UI tests: complete, valid posts that a test can bend."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from insignia.testing.images import png_bytes


def upload(name: str = "badge.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if data is None else data)


def alignment_management(total: int = 1, initial: int = 0) -> dict[str, str]:
    return {
        "alignments-TOTAL_FORMS": str(total),
        "alignments-INITIAL_FORMS": str(initial),
        "alignments-MIN_NUM_FORMS": "0",
        "alignments-MAX_NUM_FORMS": "1000",
    }


def template_post(**overrides: Any) -> dict[str, Any]:
    """A valid create-template post (PNG image, no alignment); overrides replace fields."""
    data: dict[str, Any] = {
        "name": "Kubernetes Administrator",
        "slug": "",
        "description": "Runs production Kubernetes clusters.",
        "image": upload(),
        "criteria_url": "https://contoso.example/exams/cka",
        "criteria_markdown": "Pass the **CKA** exam.",
        "skills": "Kubernetes, Containers",
        "achievement_type": "Certification",
        "validity_days": "365",
        "duplicate_policy": "deny",
        "programme": "",
        "earn_again_url": "",
        "state": "active",
        **alignment_management(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def issue_post(template_public_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "template": template_public_id,
        "recipient_email": "ann.lee@example.com",
        "recipient_name": "Ann Lee",
        "external_id": "",
        "issued_on": "",
        "expires_at": "",
        "evidence_url": "",
        "narrative": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
