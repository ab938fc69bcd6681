"""Share URLs and snippets: every value encoded or escaped, whatever it contains."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, parse_qsl, urlsplit

from insignia.sharing import links

NAME = 'Données & “Cloud” "Expert" <script>'
SUBJECT = links.ShareSubject(
    badge_name=NAME,
    issuer_name="Smith & Sons' Académie",
    earner_name="Zoë O'Brien",
    url="https://badges.example/badges/abc123",
    cert_id="abc123",
    issued_on=dt.date(2025, 3, 9),
    expires_on=dt.date(2028, 11, 30),
    skills=("Cloud Computing", "Sécurité réseau", "C++ & Go", "fourth"),
)


def _query(url: str) -> dict[str, str]:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    assert len(pairs) == len(dict(pairs)), "no parameter may repeat"
    return dict(pairs)


def test_linkedin_add_to_profile_carries_every_certification_field_encoded():
    url = links.linkedin_add_to_profile(SUBJECT)
    assert url.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&")
    assert _query(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": NAME,
        "organizationName": "Smith & Sons' Académie",
        "issueYear": "2025",
        "issueMonth": "3",
        "expirationYear": "2028",
        "expirationMonth": "11",
        "certUrl": "https://badges.example/badges/abc123",
        "certId": "abc123",
    }
    raw = urlsplit(url).query
    assert "%26" in raw  # the ampersand is encoded, so it never splits a value
    assert " " not in raw and '"' not in raw and "<" not in raw and "'" not in raw


def test_linkedin_uses_organization_id_instead_of_name_when_the_issuer_has_one():
    subject = links.ShareSubject(**{**SUBJECT.__dict__, "linkedin_organization_id": "1337"})
    query = _query(links.linkedin_add_to_profile(subject))
    assert query["organizationId"] == "1337"
    assert "organizationName" not in query


def test_linkedin_leaves_out_expiration_when_the_badge_never_expires():
    subject = links.ShareSubject(**{**SUBJECT.__dict__, "expires_on": None})
    query = _query(links.linkedin_add_to_profile(subject))
    assert "expirationYear" not in query and "expirationMonth" not in query


def test_post_links_carry_only_the_badge_url():
    assert _query(links.linkedin_share(SUBJECT)) == {"url": SUBJECT.url}
    assert links.facebook_share(SUBJECT).startswith("https://www.facebook.com/sharer/sharer.php?")
    assert _query(links.facebook_share(SUBJECT)) == {"u": SUBJECT.url}


def test_x_intent_has_text_url_and_up_to_three_hashtags_from_skills():
    query = _query(links.x_tweet(SUBJECT))
    assert query["url"] == SUBJECT.url
    assert NAME in query["text"] and "Smith & Sons' Académie" in query["text"]
    assert query["hashtags"] == "CloudComputing,SécuritéRéseau,CGo"


def test_email_link_is_a_mailto_with_encoded_subject_and_body():
    url = links.email_share(SUBJECT)
    assert url.startswith("mailto:?")
    query = parse_qs(url.removeprefix("mailto:?"))
    assert query["subject"] == [f"My badge: {NAME}"]
    assert SUBJECT.url in query["body"][0] and "Zoë O'Brien" in query["body"][0]
    assert "+" not in url  # spaces as %20: mail clients do not decode "+" in mailto


def test_embed_snippet_escapes_the_name_and_keeps_a_plain_link_without_script():
    snippet = links.embed_snippet(
        public_id="abc123",
        badge_name=NAME,
        url=SUBJECT.url,
        script_url="https://badges.example/embed.js",
    )
    assert "<script>" not in snippet.replace(
        '<script async src="https://badges.example/embed.js">', ""
    )
    assert "Données &amp; “Cloud” &quot;Expert&quot; &lt;script&gt;" in snippet
    assert 'data-badge-id="abc123"' in snippet
    assert '<a href="https://badges.example/badges/abc123">' in snippet


def test_signature_snippet_is_an_inline_styled_table_with_escaped_text():
    snippet = links.signature_snippet(
        badge_name=NAME,
        issuer_name="A&B <i>",
        url=SUBJECT.url,
        image_url="https://badges.example/i.png",
    )
    assert snippet.startswith("<table") and "style=" in snippet
    assert "&lt;script&gt;" in snippet and "A&amp;B &lt;i&gt;" in snippet
    assert 'alt="Données &amp; “Cloud” &quot;Expert&quot; &lt;script&gt;"' in snippet


def test_markdown_snippet_escapes_brackets_and_markup_in_the_name():
    snippet = links.markdown_snippet(
        badge_name="A [b] *c* <d>", url=SUBJECT.url, image_url="https://badges.example/i.png"
    )
    assert snippet == (
        r"[![A \[b\] \*c\* \<d\>](https://badges.example/i.png)]"
        "(https://badges.example/badges/abc123)"
    )


def test_hashtag_joins_words_and_drops_punctuation():
    assert links.hashtag("machine-learning & AI") == "MachineLearningAI"
    assert links.hashtag("!!!") == ""
