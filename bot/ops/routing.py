"""The route template a request matched, for labels and logs: never the raw path (ids, tokens)."""

from __future__ import annotations

from starlette.types import Scope

UNMATCHED = "<unmatched>"


def route_template(scope: Scope, root_path_before: str = "") -> str:
    """``/api/payments/{order_id}`` for ``/api/payments/ABC123``; ``/static/{path}`` for a file of a
    mount; ``<unmatched>`` for a 404. Read after the app ran: routing writes into the shared scope.
    ``root_path_before`` is the scope's ``root_path`` as the middleware saw it before the app ran."""
    # FastAPI keeps the path with the include_router prefix here; the route object may lack it.
    effective = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(effective, "path_format", None)
    if not template:
        route = scope.get("route")
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
    # A mount (static files, a sub-app) records no route of its own, only a longer root_path.
    root_path = scope.get("root_path", "")
    mounted = root_path[len(root_path_before):] if root_path.startswith(root_path_before) else ""
    if mounted:
        template = mounted + (template if isinstance(template, str) and template else "/{path}")
    return template if isinstance(template, str) and template else UNMATCHED
