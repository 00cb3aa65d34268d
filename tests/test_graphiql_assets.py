"""The GraphiQL page is served entirely from vendored, same-origin assets."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest

from subgraph.graphiql import ASSETS_DIR, graphiql_page

pytestmark = pytest.mark.unit

PREFIX = "/graphiql-assets"

VENDORED_FILES = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "graphiql-plugin-explorer.umd.js",
    "graphiql-plugin-explorer.css",
)
OWN_FILES = ("init.js", "page.css", "favicon.svg", "care-view.js", "care-view.css")
FORBIDDEN_REFERENCES = ("//unpkg.com", "cdn.jsdelivr", "fonts.googleapis", "fonts.gstatic")


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self.event_handlers: list[str] = []
        self.style_attributes = 0
        self.root_attrs: dict[str, str | None] = {}
        self._in_script = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name in ("src", "href"):
            value = named.get(name)
            if value is not None:
                self.urls.append(value)
        self.event_handlers.extend(name for name, _ in attrs if name.startswith("on"))
        if "style" in named:
            self.style_attributes += 1
        if named.get("id") == "graphiql":
            self.root_attrs = named
        self._in_script = tag == "script"
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if data.strip():
            if self._in_script:
                self.inline_scripts += 1
            elif self._in_style:
                self.inline_styles += 1


def _parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    return parser


def test_page_has_no_absolute_urls() -> None:
    page = graphiql_page()
    assert re.search(r"https?://", page) is None
    assert "//" not in page  # no protocol-relative URLs either
    assert "integrity=" not in page
    assert "crossorigin" not in page


def test_every_asset_reference_exists() -> None:
    parser = _parse(graphiql_page(assets_prefix=PREFIX))
    asset_urls = [url for url in parser.urls if url.startswith(PREFIX + "/")]
    assert asset_urls, "the page references no vendored asset"
    assert asset_urls == parser.urls, "every src/href must point at the assets prefix"
    for url in asset_urls:
        name = url[len(PREFIX) + 1 :]
        assert "/" not in name and name not in ("", ".", "..")
        assert (ASSETS_DIR / name).is_file(), f"{url} is not in {ASSETS_DIR}"
    for name in VENDORED_FILES + ("init.js", "page.css", "care-view.js", "care-view.css"):
        assert f"{PREFIX}/{name}" in asset_urls
    scripts = [url for url in asset_urls if url.endswith(".js")]
    # The Care view plugin needs GraphiQL's globals and init.js needs the plugin.
    assert scripts.index(f"{PREFIX}/graphiql.min.js") < scripts.index(f"{PREFIX}/care-view.js")
    assert scripts[-1] == f"{PREFIX}/init.js"


def test_custom_prefix_and_endpoint_are_used_and_escaped() -> None:
    page = graphiql_page(endpoint='/api/graphql?x="<y>"', assets_prefix="/static/gql/")
    parser = _parse(page)
    assert all(url.startswith("/static/gql/") and "//" not in url for url in parser.urls)
    assert parser.root_attrs.get("data-endpoint") == '/api/graphql?x="<y>"'
    assert "<y>" not in page


def test_page_needs_nothing_inline() -> None:
    parser = _parse(graphiql_page())
    assert parser.inline_scripts == 0
    assert parser.inline_styles == 0
    assert parser.event_handlers == []
    assert parser.style_attributes == 0
    assert parser.root_attrs.get("data-endpoint") == "/graphql"


@pytest.mark.parametrize("name", VENDORED_FILES)
def test_vendored_files_reference_no_cdn(name: str) -> None:
    content = (ASSETS_DIR / name).read_text(encoding="utf-8")
    for forbidden in FORBIDDEN_REFERENCES:
        assert forbidden not in content, f"{name} references {forbidden}"


@pytest.mark.parametrize("name", OWN_FILES)
def test_own_files_exist(name: str) -> None:
    assert (ASSETS_DIR / name).is_file()


def test_init_js_enables_headers_without_persisting_them() -> None:
    init_js = (ASSETS_DIR / "init.js").read_text(encoding="utf-8")
    assert "isHeadersEditorEnabled: true" in init_js
    assert "shouldPersistHeaders: false" in init_js
    assert "data-endpoint" in init_js
    assert re.search(r"https?://", init_js) is None


@pytest.mark.parametrize(
    "name", [n for n in VENDORED_FILES if n.endswith(".css")] + ["page.css", "care-view.css"]
)
def test_css_needs_only_same_origin_files(name: str) -> None:
    # data: URIs are moved out by the vendoring script so `default-src 'self'` suffices.
    css = (ASSETS_DIR / name).read_text(encoding="utf-8")
    assert "data:" not in css
    assert "@import" not in css
    for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        assert not re.match(r"[a-z][a-z0-9+.-]*:|/", ref, re.I), f"{name}: non-relative url({ref})"
        target = (ASSETS_DIR / name).parent / ref
        assert target.resolve().is_relative_to(ASSETS_DIR), ref
        assert target.is_file(), f"{name}: url({ref}) is missing"


def test_versions_file_hashes_match() -> None:
    rows = [
        line.split()
        for line in (ASSETS_DIR / "VERSIONS.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert rows
    for name, _package, _upstream, sha256 in rows:
        digest = hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()
        assert digest == sha256, f"{name} differs from VERSIONS.txt"
    listed = {row[0] for row in rows}
    extracted = {f"extracted/{p.name}" for p in (ASSETS_DIR / "extracted").iterdir()}
    assert extracted <= listed


def test_versions_file_lists_every_vendored_file() -> None:
    versions = (ASSETS_DIR / "VERSIONS.txt").read_text(encoding="utf-8")
    for name in VENDORED_FILES:
        assert re.search(rf"^{re.escape(name)}\s+\S+@\S+\s+\S+\s+[0-9a-f]{{64}}$", versions, re.M)
    for license_file in (
        "LICENSE.react.txt",
        "LICENSE.react-dom.txt",
        "LICENSE.graphiql.txt",
        "LICENSE.graphiql-plugin-explorer.txt",
    ):
        assert (ASSETS_DIR / license_file).is_file()


def test_the_care_view_asks_only_the_page_endpoint() -> None:
    code = (ASSETS_DIR / "care-view.js").read_text(encoding="utf-8")
    assert re.search(r"https?://", code) is None
    # One request site, to the endpoint init.js hands over (checked same-origin there).
    assert re.findall(r"\bfetch\(", code) == ["fetch("] and "fetch(url, {" in code
    for other in ("XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "eval("):
        assert other not in code, other
    assert 'credentials: "omit"' in code
    init_js = (ASSETS_DIR / "init.js").read_text(encoding="utf-8")
    assert "CipCareView.plugin({ url: fetchURL })" in init_js
    assert "plugins: [careViewPlugin, explorerPlugin]" in init_js


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_ratios() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", "#ffffff") < 4.5


def test_care_view_colours_meet_wcag_aa() -> None:
    css = (ASSETS_DIR / "care-view.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"(--cip-[a-z-]+):\s*(#[0-9a-fA-F]{6});", css))
    assert {"--cip-bg", "--cip-surface", "--cip-text", "--cip-accent"} <= set(colours)
    # Every colour is one of these properties: no stray literal but the button's white text.
    literals = set(re.findall(r"#[0-9a-fA-F]{6}", css))
    assert literals <= set(colours.values()) | {"#ffffff"}
    backgrounds = [colours["--cip-bg"], colours["--cip-surface"]]
    for name, colour in colours.items():
        if name in ("--cip-bg", "--cip-surface"):
            continue
        for background in backgrounds:
            # Text, marks and borders alike at the text ratio (4.5:1 is above the 3:1 of
            # graphics), so any colour can be used for either.
            assert contrast(colour, background) >= 4.5, (name, colour, background)
    assert contrast("#ffffff", colours["--cip-accent"]) >= 4.5  # the button's text
