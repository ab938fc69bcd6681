"""Share URLs and copy-paste snippets, built from plain values (no Django: easy to test).

Every value goes through ``urllib.parse.urlencode``/``quote`` for URLs and ``html.escape`` for
markup, so names with accents, ampersands, quotes or ``<script>`` survive intact and inert.
Parameter lists follow peers.md §4 (LinkedIn Add-to-Profile, share-offsite, Facebook sharer,
X intent); empty parameters are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote, urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"
FACEBOOK_SHARE = "https://www.facebook.com/sharer/sharer.php"
X_TWEET = "https://twitter.com/intent/tweet"

NETWORKS = ("linkedin_profile", "linkedin", "facebook", "x", "email")


@dataclass(frozen=True)
class ShareSubject:
    """What a share names: one accepted, public award."""

    badge_name: str
    issuer_name: str
    earner_name: str
    url: str  # the public badge page
    cert_id: str  # the award's public id
    issued_on: dt.date
    expires_on: dt.date | None = None
    linkedin_organization_id: str = ""
    skills: tuple[str, ...] = field(default_factory=tuple)


def _url(base: str, params: list[tuple[str, str]]) -> str:
    kept = [(key, value) for key, value in params if value != ""]
    return f"{base}?{urlencode(kept, quote_via=quote)}"


def linkedin_add_to_profile(subject: ShareSubject) -> str:
    organization = (
        ("organizationId", subject.linkedin_organization_id)
        if subject.linkedin_organization_id
        else ("organizationName", subject.issuer_name)
    )
    params = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", subject.badge_name),
        organization,
        ("issueYear", str(subject.issued_on.year)),
        ("issueMonth", str(subject.issued_on.month)),
    ]
    if subject.expires_on is not None:
        params += [
            ("expirationYear", str(subject.expires_on.year)),
            ("expirationMonth", str(subject.expires_on.month)),
        ]
    params += [("certUrl", subject.url), ("certId", subject.cert_id)]
    return _url(LINKEDIN_ADD, params)


def linkedin_share(subject: ShareSubject) -> str:
    # LinkedIn reads the title, description and image from the page's Open Graph tags.
    return _url(LINKEDIN_SHARE, [("url", subject.url)])


def facebook_share(subject: ShareSubject) -> str:
    return _url(FACEBOOK_SHARE, [("u", subject.url)])


def hashtag(text: str) -> str:
    """A skill as a hashtag: letters and digits only (accents kept), words joined CamelCase."""
    words = re.findall(r"\w+", text)
    return "".join(word[:1].upper() + word[1:] for word in words).replace("_", "")


def x_tweet(subject: ShareSubject) -> str:
    tags = [tag for tag in (hashtag(skill) for skill in subject.skills) if tag][:3]
    text = f"I earned the {subject.badge_name} badge from {subject.issuer_name}!"
    return _url(X_TWEET, [("text", text), ("url", subject.url), ("hashtags", ",".join(tags))])


def email_share(subject: ShareSubject) -> str:
    body = (
        f"{subject.earner_name} earned the {subject.badge_name} badge from "
        f"{subject.issuer_name}.\n\nSee and verify it here: {subject.url}\n"
    )
    params = urlencode(
        [("subject", f"My badge: {subject.badge_name}"), ("body", body)], quote_via=quote
    )
    return f"mailto:?{params}"


def share_url(network: str, subject: ShareSubject) -> str:
    builders = {
        "linkedin_profile": linkedin_add_to_profile,
        "linkedin": linkedin_share,
        "facebook": facebook_share,
        "x": x_tweet,
        "email": email_share,
    }
    return builders[network](subject)


# --- snippets ------------------------------------------------------------------------------------


def embed_snippet(*, public_id: str, badge_name: str, url: str, script_url: str) -> str:
    """A div and a script (like the peers'); without the script the div is a plain link."""
    return (
        f'<div class="insignia-badge" data-badge-id="{escape(public_id)}">'
        f'<a href="{escape(url)}">{escape(badge_name)}</a></div>\n'
        f'<script async src="{escape(script_url)}"></script>'
    )


def signature_snippet(
    *, badge_name: str, issuer_name: str, url: str, image_url: str, size: int = 48
) -> str:
    """An e-mail signature block: a table with inline styles, as mail clients ignore CSS."""
    name = escape(badge_name)
    return (
        '<table cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:12px">'
        "<tr>"
        f'<td style="padding:0 8px 0 0;vertical-align:middle"><a href="{escape(url)}">'
        f'<img src="{escape(image_url)}" alt="{name}" width="{size}" height="{size}" '
        'style="display:block;border:0"></a></td>'
        f'<td style="vertical-align:middle"><a href="{escape(url)}" '
        f'style="color:#1a4fa3;text-decoration:none;font-weight:bold">{name}</a><br>'
        f'<span style="color:#555">Issued by {escape(issuer_name)}</span></td>'
        "</tr></table>"
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|])")


def markdown_escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_snippet(*, badge_name: str, url: str, image_url: str) -> str:
    """``[![name](image)](page)`` for READMEs and CVs; the URLs are ours, percent-encoded."""
    alt = markdown_escape(badge_name)
    return f"[![{alt}]({quote(image_url, safe=':/?=&%')})]({quote(url, safe=':/?=&%')})"


PROFILE_NETWORKS = {
    "linkedin": "Post on LinkedIn",
    "facebook": "Facebook",
    "x": "X",
    "email": "Email",
}


def profile_share_url(network: str, *, name: str, url: str) -> str:
    """A post link for a public profile (LinkedIn and Facebook read its Open Graph tags)."""
    text = f"{name}'s verified badges"
    if network == "linkedin":
        return _url(LINKEDIN_SHARE, [("url", url)])
    if network == "facebook":
        return _url(FACEBOOK_SHARE, [("u", url)])
    if network == "x":
        return _url(X_TWEET, [("text", text), ("url", url)])
    if network == "email":
        mail = urlencode([("subject", text), ("body", f"{text}: {url}\n")], quote_via=quote)
        return f"mailto:?{mail}"
    raise ValueError(f"Unknown network {network!r}.")


def profile_links(*, name: str, url: str) -> list[tuple[str, str]]:
    """Each network's label and post link for a public profile."""
    return [
        (label, profile_share_url(key, name=name, url=url))
        for key, label in PROFILE_NETWORKS.items()
    ]
