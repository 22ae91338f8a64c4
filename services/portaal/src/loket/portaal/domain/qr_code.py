"""The QR code an authenticator app scans to add a staff member's TOTP key, drawn by the portal itself
(segno) as an inline SVG: no image service sees the key, and no `data:` URL is needed."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, label: str) -> Markup:
    """`text` as a QR code, an `<svg role="img">` named `label` for screen readers."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))  # noqa: S704
