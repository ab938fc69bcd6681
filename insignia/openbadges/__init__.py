"""Open Badges documents, baking and verification as a pure Python library.

Nothing here imports Django or the rest of Insignia: callers pass plain dataclasses and callables
in and get JSON-ready dicts, bytes and reports out. One module per concern:

- `contexts`: bundled JSON-LD contexts and an offline pyld document loader.
- `ob2`: Open Badges 2.0 documents (Issuer, BadgeClass, Assertion, RevocationList), identity
  hashes and the JSON serialiser used for ETags and baking.
- `baking`: embedding/extracting badge data in PNG (iTXt chunk) and SVG files, byte for byte.
- `verify`: OB 2.0 hosted-assertion verification over an injected fetch function.
"""
