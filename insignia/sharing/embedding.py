"""The self-sizing embed: the script inside the iframe card, and its Content-Security-Policy hash.

The card page posts its content height to the embedding page (``postMessage``, a namespaced
message type plus the badge id) on load and whenever its layout changes; ``embed.js`` on the
embedding page checks the message's origin and source window before resizing the iframe. Without
JavaScript the iframe keeps its default height and the card fills it. The script is a constant
so that its hash can stand in the page's CSP instead of allowing inline scripts at large.
"""

from __future__ import annotations

import base64
import hashlib

from django.utils.safestring import SafeString, mark_safe

MESSAGE_TYPE = "insignia:embed-height"
MAX_HEIGHT = 2000  # embed.js ignores anything taller: a card is never that high

# The card fills the viewport (min-height:100vh) so it looks right at any fixed iframe height;
# its natural height is therefore the inner box plus the card's padding and border.
SIZE_SCRIPT = (
    "(function(){"
    '"use strict";'
    'var card=document.querySelector(".card"),inner=document.querySelector(".inner");'
    'var id=document.body.getAttribute("data-badge-id"),last=0;'
    "if(!card||!inner||window.parent===window){return;}"
    "function post(){"
    "var cs=getComputedStyle(card);"
    "var h=Math.ceil(inner.getBoundingClientRect().height+parseFloat(cs.paddingTop)"
    "+parseFloat(cs.paddingBottom)+parseFloat(cs.borderTopWidth)"
    "+parseFloat(cs.borderBottomWidth));"
    "if(h===last){return;}"
    "last=h;"
    f'window.parent.postMessage({{type:"{MESSAGE_TYPE}",badge:id,height:h}},"*");'
    "}"
    'window.addEventListener("load",post);'
    'window.addEventListener("resize",post);'
    "if(window.ResizeObserver){new ResizeObserver(post).observe(inner);}"
    "post();"
    "})();"
)

SIZE_SCRIPT_HTML: SafeString = mark_safe(SIZE_SCRIPT)  # a constant: nothing user-supplied
SIZE_SCRIPT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(SIZE_SCRIPT.encode("utf-8")).digest()).decode()
)
