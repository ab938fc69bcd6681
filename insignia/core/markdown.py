"""Markdown written by issuers (criteria, descriptions) rendered to HTML that is safe to show.

python-markdown passes raw HTML through, so its output is never trusted: nh3 (the Rust
``ammonia`` sanitiser) then keeps only a small allow-list of formatting tags, drops every
attribute that is not a link target or title, allows only http(s)/mailto URLs, and gives every
link ``rel="nofollow noopener"`` so issuer text cannot lend our pages' rank or reach ``opener``.
"""

from __future__ import annotations

import markdown as python_markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# Headings are kept (the stylesheet sizes them down inside `.prose`), images are not: a
# criteria text has no business loading third-party pixels on our pages.
_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Markdown → sanitised HTML, ready to put in a template without ``|safe``."""
    if not text:
        return mark_safe("")
    html = python_markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return mark_safe(cleaned)
