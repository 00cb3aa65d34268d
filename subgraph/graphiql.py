"""Self-hosted GraphiQL page.

The page is strawberry's GraphiQL page (``strawberry/static/graphiql.html``)
reworked so that everything it loads comes from this package: React, ReactDOM,
GraphiQL and the explorer plugin are vendored into ``static/graphiql/`` by
``scripts/vendor_graphiql.sh`` (see ``VERSIONS.txt`` there), and the page's
bootstrap code lives in ``init.js`` next to them, with the coordinators' "Care view"
plugin (``care-view.js`` and ``care-view.css``, plain SVG, no chart library; see
``docs/care-view.md``).  The HTML therefore contains
no external URL, no inline script, no inline style and no inline event
handler, and the vendoring script moves the fonts and icons GraphiQL's
stylesheet embeds as ``data:`` URIs into files, so the page works unchanged
under a Content-Security-Policy of just ``default-src 'self'``.

Serve ``ASSETS_DIR`` under ``assets_prefix`` (e.g. with Starlette's
``StaticFiles``) and return :func:`graphiql_page` for browser GETs of the
GraphQL endpoint.
"""

from __future__ import annotations

import html
import pathlib
from typing import Final

__all__ = ["ASSETS_DIR", "graphiql_page"]

ASSETS_DIR: Final[pathlib.Path] = pathlib.Path(__file__).resolve().parent / "static" / "graphiql"
"""Folder holding the vendored GraphiQL assets and the page's own files."""

# Loaded in this order: React, ReactDOM, GraphiQL (needs both), the explorer
# plugin (needs GraphiQL's globals), the Care view plugin (ours, the same globals),
# then our bootstrap.
_STYLESHEETS: Final[tuple[str, ...]] = (
    "graphiql.min.css",
    "graphiql-plugin-explorer.css",
    "care-view.css",
    "page.css",
)
_SCRIPTS: Final[tuple[str, ...]] = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql-plugin-explorer.umd.js",
    "care-view.js",
    "init.js",
)
_FAVICON: Final[str] = "favicon.svg"


def _attr(value: str) -> str:
    """Escape ``value`` for use inside a double-quoted HTML attribute."""
    return html.escape(value, quote=True)


def graphiql_page(endpoint: str = "/graphql", assets_prefix: str = "/graphiql-assets") -> str:
    """Return the full GraphiQL HTML page.

    ``endpoint`` is the GraphQL URL the page posts to; it is handed to
    ``init.js`` through the ``data-endpoint`` attribute and must resolve to the
    page's own origin (``init.js`` refuses anything else).  ``assets_prefix``
    is the URL path where ``ASSETS_DIR`` is served.
    """
    prefix = assets_prefix.rstrip("/")

    def asset(name: str) -> str:
        return _attr(f"{prefix}/{name}")

    links = "\n".join(
        f'    <link rel="stylesheet" href="{asset(name)}" />' for name in _STYLESHEETS
    )
    scripts = "\n".join(f'    <script src="{asset(name)}"></script>' for name in _SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>GraphiQL</title>
    <link rel="icon" type="image/svg+xml" href="{asset(_FAVICON)}" />
{links}
  </head>
  <body>
    <div id="graphiql" class="graphiql-container" data-endpoint="{_attr(endpoint)}">Loading...</div>
{scripts}
  </body>
</html>
"""
