"""Faults against rules the level split made their own checks: each breaks one RECOMMENDED rule only.

A RECOMMENDED rule fails only the ``strict`` profile (``conformance/catalogue.yaml``), so these variants are
killed in ``strict`` and reported, never failing, in ``core``: they prove the split checks can fail.
"""

from __future__ import annotations

import re

from killmatrix.variants.auth import CookieNoHttpOnly

__all__ = ["CookieLaxInsecure"]


class CookieLaxInsecure(CookieNoHttpOnly):
    name = "cookie-lax-insecure"
    area = "auth"
    description = "session cookies lose Secure and go SameSite=Lax (HttpOnly kept)"
    catches = ("COOKIE-ATTRIBUTES",)

    def rewrite(self, cookie: str) -> str:
        cookie = re.sub(r";\s*Secure(?=;|$)", "", cookie, flags=re.IGNORECASE)
        return re.sub(r"SameSite=\w+", "SameSite=Lax", cookie, flags=re.IGNORECASE)
