"""User text made safe to store and render: one sanitiser for every app (nh3, no hand-written
HTML parsing)."""

import nh3

# Plain text with a few harmless tags; everything else (scripts, handlers, styles) goes.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "p", "br", "ul", "ol", "li", "code", "pre"}


def sanitize(text: str) -> str:
    """User text made safe to render: no scripts, no event handlers, no links."""
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes={}).strip()
