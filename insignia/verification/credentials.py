"""Open Badges 3.0 documents for our rows: the signed OpenBadgeCredential of an award, its
VC-JWT and baked images, the issuer's OB 3.0 Profile / controller document, did:web DID
document and JWKS, and the signed Bitstring status lists.

Identifiers (docs/open-badges.md, "Open Badges 3.0"):

- The OB 3.0 issuer id is ``<SITE>/issuers/<id>/profile.json``: a Profile that is also the
  controller document of the issuer's keys, so "the verification method's controller equals the
  issuer id" holds. ``/issuers/<id>`` stays the OB 2.0 Profile.
- Keys are ``<issuer id>#key-<kid>``; ``kid`` is the SigningKey's public id. The same URL is the
  JWT ``kid`` and the JWKS entry's ``kid``.
- ``did:web:<host>[%3A<port>][:<path>]:issuers:<id>`` resolves to ``…/issuers/<id>/did.json``.
- A credential's id is ``urn:uuid:<uuid5 of the award's public id>``: stable for ever and
  distinct from the OB 2.0 assertion URL ``/badges/<id>``.

Signing is costly compared with serving (milliseconds), so signed bytes are cached under a key
holding everything they depend on: the award, template and issuer ``updated_at``, the signing
key id, the status index and SITE_URL. A change to any of them makes a new key; the old entry
simply expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.cache import cache

from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate, ImageKind
from insignia.issuers import keys
from insignia.issuers.models import Issuer, KeyAlgorithm, KeyStatus, SigningKey
from insignia.issuers.services import signing_keys_ensure
from insignia.openbadges import dataintegrity, ob3, statuslist, vcjwt
from insignia.openbadges.baking import (
    OB3_PNG_KEYWORD,
    OB3_SVG_ELEMENT,
    OB3_SVG_NAMESPACE,
    bake_png,
    bake_svg,
)
from insignia.openbadges.ob2 import dumps, format_datetime
from insignia.verification import documents, images, selectors
from insignia.verification.models import StatusList
from insignia.verification.statuslists import status_allocation_ensure

Document = dict[str, Any]
_CACHE_SECONDS = 24 * 3600
# Fixed namespace for credential ids: uuid5(namespace, award public id) never changes.
_CREDENTIAL_NAMESPACE = uuid.UUID("6b0f3a52-8f4e-5b8a-9a51-1c3f0b8e7d21")
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# --- URLs -------------------------------------------------------------------------------------


def issuer_id(issuer_public_id: str) -> str:
    """The OB 3.0 issuer id: the Profile that is also the keys' controller document."""
    return documents.absolute(f"/issuers/{issuer_public_id}/profile.json")


def key_url(issuer_public_id: str, kid: str) -> str:
    return f"{issuer_id(issuer_public_id)}#key-{kid}"


def jwks_url(issuer_public_id: str) -> str:
    return documents.absolute(f"/issuers/{issuer_public_id}/jwks.json")


def did_web(issuer_public_id: str) -> str:
    """did:web for the issuer: host (port as %3A), then the site path and issuers/<id>."""
    site = urlsplit(settings.SITE_URL)
    segments = [quote(site.netloc, safe="")]
    segments += [quote(part, safe="") for part in site.path.split("/") if part]
    segments += ["issuers", issuer_public_id]
    return "did:web:" + ":".join(segments)


def did_document_url(issuer_public_id: str) -> str:
    return documents.absolute(f"/issuers/{issuer_public_id}/did.json")


def credential_url(award_public_id: str, ext: str) -> str:
    return documents.absolute(f"/badges/{award_public_id}/credential.{ext}")


def status_list_url(list_public_id: str) -> str:
    return documents.absolute(f"/status/{list_public_id}")


def credential_id(award: Award) -> str:
    return f"urn:uuid:{uuid.uuid5(_CREDENTIAL_NAMESPACE, award.public_id)}"


def did_web_scheme() -> str:
    # did:web is https by definition; a development server on http resolves its own DIDs
    # over http so the Verify action works locally.
    return urlsplit(settings.SITE_URL).scheme


# --- keys and signing -------------------------------------------------------------------------


def _active(issuer: Issuer, algorithm: KeyAlgorithm) -> SigningKey:
    key = keys.active_key(issuer, algorithm)
    return key if key is not None else signing_keys_ensure(issuer=issuer)[algorithm]


def sign(document: Document, issuer: Issuer, *, created: dt.datetime) -> Document:
    """`document` with an eddsa-rdfc-2022 proof by the issuer's active Ed25519 key."""
    key = _active(issuer, KeyAlgorithm.ED25519)
    options = dataintegrity.ProofOptions(
        verification_method=key_url(issuer.public_id, key.public_id),
        created=max(created, key.created_at).replace(microsecond=0),
    )
    return dataintegrity.sign_eddsa_rdfc_2022(document, keys.ed25519_private_key(key), options)


# --- issuer documents -------------------------------------------------------------------------


def _method(issuer: Issuer, key: SigningKey) -> Document:
    entry: Document = {
        "id": key_url(issuer.public_id, key.public_id),
        "type": "Multikey" if key.algorithm == KeyAlgorithm.ED25519 else "JsonWebKey",
        "controller": issuer_id(issuer.public_id),
    }
    if key.algorithm == KeyAlgorithm.ED25519:
        entry["publicKeyMultibase"] = keys.public_multibase(key)
    else:
        entry["publicKeyJwk"] = _jwk(issuer, key)
    if key.revoked_at is not None:
        # Controller Documents 1.0 `revoked`: signatures by this key no longer verify.
        entry["revoked"] = format_datetime(key.revoked_at)
    return entry


def _jwk(issuer: Issuer, key: SigningKey) -> Document:
    jwk = keys.public_jwk(key)
    jwk.update({"kid": key_url(issuer.public_id, key.public_id), "use": "sig", "alg": "RS256"})
    return jwk


def profile_document(issuer: Issuer) -> Document:
    """The OB 3.0 Profile at the issuer id, with its keys (verificationMethod) and which of them
    may sign credentials (assertionMethod: every key not revoked, so old badges verify)."""
    signing_keys_ensure(issuer=issuer)
    published = keys.published_keys(issuer)
    profile = ob3.profile_document(_profile(issuer))
    return {
        "@context": [ob3.VC2_CONTEXT_URL, ob3.OB3_CONTEXT_URL, MULTIKEY_CONTEXT],
        **profile,
        "verificationMethod": [_method(issuer, key) for key in published],
        "assertionMethod": [
            key_url(issuer.public_id, key.public_id)
            for key in published
            if key.status != KeyStatus.REVOKED
        ],
    }


def did_document(issuer: Issuer) -> Document:
    """The did:web DID document: the same Ed25519 keys under the DID, which is `alsoKnownAs`
    the issuer id (so a verifier can tie either name to the issuer)."""
    signing_keys_ensure(issuer=issuer)
    did = did_web(issuer.public_id)
    methods = []
    for key in keys.published_keys(issuer):
        if key.algorithm != KeyAlgorithm.ED25519:
            continue
        entry: Document = {
            "id": f"{did}#key-{key.public_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": keys.public_multibase(key),
        }
        if key.revoked_at is not None:
            entry["revoked"] = format_datetime(key.revoked_at)
        methods.append(entry)
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "alsoKnownAs": [issuer_id(issuer.public_id)],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods if "revoked" not in m],
    }


def jwks_document(issuer: Issuer) -> Document:
    """RSA public keys; revoked keys are left out (the profile lists them, marked revoked)."""
    signing_keys_ensure(issuer=issuer)
    return {
        "keys": [
            _jwk(issuer, key)
            for key in keys.published_keys(issuer)
            if key.algorithm == KeyAlgorithm.RSA and key.status != KeyStatus.REVOKED
        ]
    }


def issuer_json(document: Document) -> bytes:
    return dumps(document)


# --- the credential ---------------------------------------------------------------------------


def _profile(issuer: Issuer) -> ob3.Profile:
    return ob3.Profile(
        id=issuer_id(issuer.public_id),
        name=issuer.name,
        url=issuer.url or None,
        email=issuer.email or None,
        description=issuer.description or None,
        image=documents.media_url(issuer.logo.url) if issuer.logo else None,
    )


def credential_spec(award: Award, *, status_index: tuple[str, int] | None) -> ob3.CredentialSpec:
    template: BadgeTemplate = award.template
    issuer = template.issuer
    return ob3.CredentialSpec(
        id=credential_id(award),
        issuer=_profile(issuer),
        achievement=ob3.Achievement(
            id=documents.template_url(template.public_id),
            name=template.name,
            description=template.description,
            image=documents.template_image_url(template),
            criteria_url=template.criteria_url or None,
            criteria_narrative=template.criteria_markdown or None,
            achievement_type=template.achievement_type or None,
            alignments=tuple(
                ob3.Alignment(
                    target_name=a.target_name,
                    target_url=a.target_url,
                    target_description=a.target_description or None,
                    target_framework=a.target_framework or None,
                    target_code=a.target_code or None,
                )
                for a in selectors.template_alignments(template)
            ),
            tags=tuple(selectors.template_skill_names(template)),
        ),
        name=template.name,
        valid_from=award.issued_on,
        valid_until=award.expires_at,
        awarded_date=award.issued_on,
        identifiers=(ob3.hashed_email_identifier(award.recipient_email, award.salt),),
        evidence=tuple(
            ob3.Evidence(
                id=item.get("url") or None,
                name=item.get("name") or None,
                narrative=item.get("narrative") or None,
            )
            for item in award.evidence
            if item.get("url") or item.get("narrative")
        ),
        narrative=award.narrative or None,
        status=ob3.StatusEntry(list_url=status_index[0], index=status_index[1])
        if status_index
        else None,
    )


def _changed_at(award: Award) -> dt.datetime:
    return max(award.updated_at, award.template.updated_at, award.template.issuer.updated_at)


def _cache_key(kind: str, award: Award, index: tuple[str, int]) -> str:
    # No key id here: rotating or revoking a key bumps the issuer's updated_at (see
    # issuers.services.signing_key_rotate), so a cache hit needs no key lookup at all.
    template = award.template
    return (
        f"ob3:{kind}:{award.public_id}:{award.updated_at.timestamp()}:"
        f"{template.updated_at.timestamp()}:{template.issuer.updated_at.timestamp()}:"
        f"{index[0]}:{index[1]}:{settings.SITE_URL}"
    )


def _status_index(award: Award) -> tuple[str, int]:
    # An allocation never changes once made, so it is memoised in the shared cache.
    memo = f"ob3:alloc:{award.public_id}:{settings.SITE_URL}"
    cached: tuple[str, int] | None = cache.get(memo)
    if cached is not None:
        return cached
    allocation = status_allocation_ensure(award=award)
    found = (status_list_url(allocation.status_list.public_id), allocation.index)
    cache.set(memo, found, timeout=_CACHE_SECONDS)
    return found


def credential_json(award: Award) -> bytes:
    """The signed OpenBadgeCredential (JSON with an embedded DataIntegrityProof)."""
    index = _status_index(award)
    cache_key = _cache_key("json", award, index)
    cached: bytes | None = cache.get(cache_key)
    if cached is not None:
        return cached
    document = ob3.credential_document(credential_spec(award, status_index=index))
    body = dumps(sign(document, award.template.issuer, created=_changed_at(award)))
    cache.set(cache_key, body, timeout=_CACHE_SECONDS)
    return body


def credential_jwt(award: Award) -> bytes:
    """The same credential (with its embedded proof) as an RS256 VC-JWT."""
    index = _status_index(award)
    cache_key = _cache_key("jwt", award, index)
    cached: bytes | None = cache.get(cache_key)
    if cached is not None:
        return cached
    issuer = award.template.issuer
    key = _active(issuer, KeyAlgorithm.RSA)
    credential = json.loads(credential_json(award))
    token = vcjwt.sign_vc_jwt(
        credential, keys.rsa_private_key(key), kid=key_url(issuer.public_id, key.public_id)
    )
    body = token.encode("ascii")
    cache.set(cache_key, body, timeout=_CACHE_SECONDS)
    return body


def baked_credential_image(award: Award) -> bytes:
    """The template image with the signed credential JSON baked in (OB 3.0 baking)."""
    template = award.template
    text = credential_json(award)
    digest = hashlib.blake2b(text, digest_size=16).hexdigest()
    key = f"ob3:img:{award.public_id}:{template.updated_at.isoformat()}:{digest}"
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    image = images.template_image(template)
    if template.image_kind == ImageKind.SVG:
        baked = bake_svg(
            image,
            assertion_json=text.decode("utf-8"),
            namespace=OB3_SVG_NAMESPACE,
            element=OB3_SVG_ELEMENT,
        )
    else:
        baked = bake_png(image, text.decode("utf-8"), keyword=OB3_PNG_KEYWORD, check_crc=False)
    cache.set(key, baked, timeout=_CACHE_SECONDS)
    return baked


# --- status lists -----------------------------------------------------------------------------


def status_list_json(status_list: StatusList) -> bytes:
    """The signed BitstringStatusListCredential; cached per list version (and issuer
    updated_at, which key rotation bumps). `bits` may be deferred: it is read on a miss only."""
    issuer = status_list.issuer
    cache_key = (
        f"ob3:statuslist:{status_list.public_id}:{status_list.version}:"
        f"{issuer.updated_at.timestamp()}:{settings.SITE_URL}"
    )
    cached: bytes | None = cache.get(cache_key)
    if cached is not None:
        return cached
    spec = statuslist.StatusListSpec(
        id=status_list_url(status_list.public_id),
        issuer_id=issuer_id(issuer.public_id),
        valid_from=status_list.created_at,
        purpose=status_list.purpose,
    )
    document = statuslist.status_list_credential(spec, bytes(status_list.bits))
    body = dumps(sign(document, issuer, created=status_list.updated_at))
    cache.set(cache_key, body, timeout=_CACHE_SECONDS)
    return body
