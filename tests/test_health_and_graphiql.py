from __future__ import annotations

import re

from tests.support import LiveServer


def test_healthz_and_readyz(server: LiveServer) -> None:
    assert server.client.get("/healthz").json() == {"status": "ok"}
    ready = server.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_graphiql_is_served_from_the_package_only(server: LiveServer) -> None:
    page = server.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    html = page.text
    assert not re.search(r"https?://", html)
    assets = re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"', html)
    assert assets, "the page loads its assets from the subgraph"
    for asset in assets:
        resp = server.client.get(asset)
        assert resp.status_code == 200, asset
        assert not re.search(rb"//(unpkg\.com|cdn\.jsdelivr|fonts\.googleapis)", resp.content)
