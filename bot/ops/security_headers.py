"""Headers for what the gateway serves outside the staff pages (which get ``bot.auth.web.SECURITY_HEADERS``):
the public web chat page and the static files. Only ``nosniff`` here: the web chat may be embedded in
a portal's page, so neither ``frame-ancestors 'none'`` nor ``X-Frame-Options: DENY`` fits it."""

from __future__ import annotations

import os

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

NOSNIFF = {"X-Content-Type-Options": "nosniff"}


class NoSniffStaticFiles(StaticFiles):
    """``StaticFiles`` whose answers carry ``nosniff``: browsers use the declared type and never
    guess one from the content (no text file ever runs as a script or a style)."""

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(NOSNIFF)
        return response


# What the staff pages (and the private pages of payments and files) send: no framing, no
# inline script from elsewhere, nothing cached.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
