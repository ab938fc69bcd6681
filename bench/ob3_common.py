"""A realistic OB 3.0 badge template for the ob3_sign / ob3_verify benchmarks."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ISSUER = "https://badges.example.org/issuers/Xk3f9Q"
FIRST = ["Ana", "Björn", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Günter", "Hiroshi", "Zoë"]
LAST = ["O'Neil", "Müller", "Nguyễn", "Smith", "Kowalski", "García", "Ødegaard"]


def credential(number: int, rng: random.Random) -> dict[str, Any]:
    """Credential `number` of one template: same badge, different recipient, dates and ids."""
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    email = f"{name.split()[0].lower()}.{number}@example.edu"
    salt = f"{rng.getrandbits(64):016x}"
    issued = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(500_000))
    return {
        "@context": [VC_V2, OB_303, EXTENSIONS],
        "id": f"https://badges.example.org/badges/{rng.getrandbits(80):020x}/credential.json",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Stewardship — Level 2",
        "description": f'Awarded to {name} for completing the "Data Stewardship" course.',
        "issuer": {
            "id": ISSUER,
            "type": ["Profile"],
            "name": "Insignia Academy",
            "url": "https://academy.example.org/",
            "email": "badges@academy.example.org",
            "image": {"id": "https://badges.example.org/issuers/Xk3f9Q/image.png", "type": "Image"},
        },
        "validFrom": issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validUntil": (issued + timedelta(days=730)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": "https://badges.example.org/badge-classes/Qm82Lx",
                "type": ["Achievement"],
                "name": "Data Stewardship — Level 2",
                "description": "Plans, documents and audits a team's data lifecycle. 📊",
                "criteria": {
                    "id": "https://academy.example.org/courses/data-stewardship",
                    "narrative": "Complete all six modules\nand pass the final assessment (≥ 80%).",
                },
                "image": {
                    "id": "https://badges.example.org/badge-classes/Qm82Lx/image.png",
                    "type": "Image",
                },
                "achievementType": "Certificate",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": f"Skill {index}",
                        "targetUrl": f"https://skills.example.org/framework/{index}",
                        "targetFramework": "Example Skills Framework",
                        "targetCode": f"DS-{index}",
                    }
                    for index in range(3)
                ],
                "tag": ["data", "governance"],
            },
        },
        "evidence": [
            {
                "id": f"https://academy.example.org/portfolio/{number}",
                "type": ["Evidence"],
                "name": "Final project",
                "description": f"Project report by {name}. " * 10,
            }
        ],
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                "ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "credentialStatus": {
            "id": f"https://badges.example.org/status/1#{number}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(number),
            "statusListCredential": "https://badges.example.org/status/1",
        },
    }
