#!/usr/bin/env bash
# Vendor the GraphiQL front-end into subgraph/static/graphiql/ so the page is
# served entirely from our own origin (no CDN, no third-party request at run
# time).  The files fetched are exactly those strawberry's own GraphiQL page
# (strawberry/static/graphiql.html) loads from unpkg, at the same versions;
# js-cookie is not vendored because our page does not read a CSRF cookie.
#
# Only the npm registry is contacted (through `npm pack`).  Every upstream file
# is checked against the sha384 Subresource-Integrity hash that strawberry pins
# for it, so the bytes are identical to what the CDN would have served.
#
# The output is committed; re-run this script only to change versions, then
# update the pins below (and the SRI hashes) together.
#
# Usage: scripts/vendor_graphiql.sh            (from anywhere inside the repo)
set -euo pipefail

REACT_VERSION=18.2.0
REACT_DOM_VERSION=18.2.0
GRAPHIQL_VERSION=3.8.3
PLUGIN_EXPLORER_VERSION=1.0.2
# graphiql-explorer (OneGraph) is bundled inside @graphiql/plugin-explorer's
# UMD build; we fetch its package only to ship its LICENSE alongside.
GRAPHIQL_EXPLORER_VERSION=0.9.0

# sha384 SRI hashes as pinned by strawberry-graphql's graphiql.html.
SRI_REACT="sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"
SRI_REACT_DOM="sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"
SRI_GRAPHIQL_JS="sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"
SRI_GRAPHIQL_CSS="sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"
SRI_EXPLORER_JS="sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"
SRI_EXPLORER_CSS="sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${REPO_ROOT}/subgraph/static/graphiql"

for tool in npm node tar openssl base64 sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch <spec> <dir-name>: npm pack the package and unpack it to $WORK/<dir-name>
fetch() {
    local spec="$1" name="$2" tarball
    tarball="$(cd "$WORK" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
    [[ -n "$tarball" && -f "$WORK/$tarball" ]] || { echo "error: npm pack $spec failed" >&2; exit 1; }
    mkdir -p "$WORK/$name"
    tar -xzf "$WORK/$tarball" -C "$WORK/$name"
}

# check_sri <file> <expected sha384-...>
check_sri() {
    local file="$1" expected="$2" actual
    actual="sha384-$(openssl dgst -sha384 -binary "$file" | base64 -w0)"
    if [[ "$actual" != "$expected" ]]; then
        echo "error: integrity mismatch for $file" >&2
        echo "  expected $expected" >&2
        echo "  got      $actual" >&2
        exit 1
    fi
}

echo "Fetching packages from the npm registry into $WORK ..."
fetch "react@${REACT_VERSION}" react
fetch "react-dom@${REACT_DOM_VERSION}" react-dom
fetch "graphiql@${GRAPHIQL_VERSION}" graphiql
fetch "@graphiql/plugin-explorer@${PLUGIN_EXPLORER_VERSION}" plugin-explorer
fetch "graphiql-explorer@${GRAPHIQL_EXPLORER_VERSION}" graphiql-explorer

P="$WORK"
check_sri "$P/react/package/umd/react.production.min.js" "$SRI_REACT"
check_sri "$P/react-dom/package/umd/react-dom.production.min.js" "$SRI_REACT_DOM"
check_sri "$P/graphiql/package/graphiql.min.js" "$SRI_GRAPHIQL_JS"
check_sri "$P/graphiql/package/graphiql.min.css" "$SRI_GRAPHIQL_CSS"
check_sri "$P/plugin-explorer/package/dist/index.umd.js" "$SRI_EXPLORER_JS"
check_sri "$P/plugin-explorer/package/dist/style.css" "$SRI_EXPLORER_CSS"
echo "All files match strawberry's pinned SRI hashes."

mkdir -p "$DEST"
# Only the vendored files (and extracted/) are (re)written; the hand-written
# files in $DEST (init.js, page.css, favicon.svg) are left alone.
install -m 0644 "$P/react/package/umd/react.production.min.js" "$DEST/react.production.min.js"
install -m 0644 "$P/react-dom/package/umd/react-dom.production.min.js" "$DEST/react-dom.production.min.js"
install -m 0644 "$P/graphiql/package/graphiql.min.js" "$DEST/graphiql.min.js"
install -m 0644 "$P/graphiql/package/graphiql.min.css" "$DEST/graphiql.min.css"
install -m 0644 "$P/plugin-explorer/package/dist/index.umd.js" "$DEST/graphiql-plugin-explorer.umd.js"
install -m 0644 "$P/plugin-explorer/package/dist/style.css" "$DEST/graphiql-plugin-explorer.css"

# Google Fonts: graphiql@3.8.3's CSS embeds its Roboto / Fira Code fonts as
# data: URIs and has no @import of fonts.googleapis.com, so nothing needs to
# change for these versions.  Should a future version add such an @import,
# neutralise it here (a stylesheet @import would be a third-party request);
# the page then falls back to the local font stack.  The check further below
# fails the run if any CDN / font-host reference survives.
for css in "$DEST/graphiql.min.css" "$DEST/graphiql-plugin-explorer.css"; do
    sed -E -i 's#@import[[:space:]]+(url\()?["'\'']?https?://fonts\.(googleapis|gstatic)\.com[^;]*;##g' "$css"
done

# data: URIs: graphiql.min.css embeds its fonts (Roboto, Fira Code) and the
# CodeMirror lint icons as base64 data: URIs.  A Content-Security-Policy of
# plain `default-src 'self'` blocks data: fonts/images, so each one is written
# to its own file under extracted/ (named by content hash) and the url() is
# rewritten to that relative path.  Relative URLs resolve against the CSS
# file's own URL, so this works whatever prefix the assets are served under.
# The rule bodies are otherwise untouched; VERSIONS.txt records the sha256 of
# the rewritten CSS (the upstream bytes were SRI-checked above).
rm -rf "$DEST/extracted"
mkdir -p "$DEST/extracted"
node - "$DEST" <<'NODE'
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const dest = process.argv[2];
const extensions = {
  "font/woff2": "woff2",
  "font/woff": "woff",
  "font/ttf": "ttf",
  "image/png": "png",
  "image/gif": "gif",
  "image/svg+xml": "svg",
};
for (const name of ["graphiql.min.css", "graphiql-plugin-explorer.css"]) {
  const file = path.join(dest, name);
  let count = 0;
  const css = fs.readFileSync(file, "utf8").replace(
    /url\(\s*(["']?)data:([a-z0-9.+\/-]+);base64,([A-Za-z0-9+\/=]+)\1\s*\)/gi,
    (match, quote, mime, b64) => {
      const ext = extensions[mime.toLowerCase()];
      if (!ext) throw new Error(`${name}: unexpected data: URI type ${mime}`);
      const bytes = Buffer.from(b64, "base64");
      const hash = crypto.createHash("sha256").update(bytes).digest("hex").slice(0, 16);
      const out = `extracted/${hash}.${ext}`;
      fs.writeFileSync(path.join(dest, out), bytes, { mode: 0o644 });
      count += 1;
      return `url(${out})`;
    }
  );
  if (/url\(\s*["']?data:/i.test(css)) throw new Error(`${name}: a data: URI was not extracted`);
  fs.writeFileSync(file, css);
  console.log(`${name}: moved ${count} data: URIs to extracted/`);
}
NODE

# Licenses.
install -m 0644 "$P/react/package/LICENSE" "$DEST/LICENSE.react.txt"
install -m 0644 "$P/react-dom/package/LICENSE" "$DEST/LICENSE.react-dom.txt"
install -m 0644 "$P/graphiql/package/LICENSE" "$DEST/LICENSE.graphiql.txt"
install -m 0644 "$P/graphiql-explorer/package/LICENSE" "$DEST/LICENSE.graphiql-explorer.txt"
# The @graphiql/plugin-explorer tarball ships no LICENSE file; its package.json
# declares MIT and it lives in the graphql/graphiql monorepo, whose LICENSE is
# the one shipped with graphiql itself.
explorer_license="$(sed -n 's/^[[:space:]]*"license":[[:space:]]*"\([^"]*\)".*/\1/p' "$P/plugin-explorer/package/package.json" | head -n 1)"
{
    echo "@graphiql/plugin-explorer@${PLUGIN_EXPLORER_VERSION} declares license \"${explorer_license}\" in its package.json"
    echo "but its npm tarball contains no LICENSE file. It is developed in the graphql/graphiql"
    echo "monorepo; the monorepo's license text (as shipped in graphiql@${GRAPHIQL_VERSION}) follows."
    echo "Its UMD build also bundles graphiql-explorer@${GRAPHIQL_EXPLORER_VERSION}: see LICENSE.graphiql-explorer.txt."
    echo
    cat "$P/graphiql/package/LICENSE"
} >"$DEST/LICENSE.graphiql-plugin-explorer.txt"
chmod 0644 "$DEST/LICENSE.graphiql-plugin-explorer.txt"

# No vendored file may reference a CDN or a web-font host.
if grep -l -E '//unpkg\.com|cdn\.jsdelivr|fonts\.googleapis|fonts\.gstatic' \
        "$DEST"/*.min.js "$DEST"/*.umd.js "$DEST"/*.css; then
    echo "error: a vendored file above still references a CDN / font host" >&2
    exit 1
fi

# VERSIONS.txt: package@version, upstream path and sha256 of each vendored file.
{
    echo "# GraphiQL assets vendored by scripts/vendor_graphiql.sh - do not edit by hand."
    echo "# Columns: file  package@version  upstream-path  sha256 (of the file as shipped here)."
    echo "# graphiql.min.css has its base64 data: URIs moved to extracted/ (listed as"
    echo "# upstream-path graphiql.min.css#data-uri); everything else is byte-identical to"
    echo "# upstream. LICENSE.graphiql-plugin-explorer.txt is written by the script (the"
    echo "# package ships none); see that file."
    row() { printf '%s  %s  %s  %s\n' "$1" "$2" "$3" "$(sha256sum "$DEST/$1" | cut -d' ' -f1)"; }
    row react.production.min.js "react@${REACT_VERSION}" umd/react.production.min.js
    row react-dom.production.min.js "react-dom@${REACT_DOM_VERSION}" umd/react-dom.production.min.js
    row graphiql.min.js "graphiql@${GRAPHIQL_VERSION}" graphiql.min.js
    row graphiql.min.css "graphiql@${GRAPHIQL_VERSION}" graphiql.min.css
    row graphiql-plugin-explorer.umd.js "@graphiql/plugin-explorer@${PLUGIN_EXPLORER_VERSION}" dist/index.umd.js
    row graphiql-plugin-explorer.css "@graphiql/plugin-explorer@${PLUGIN_EXPLORER_VERSION}" dist/style.css
    for f in "$DEST"/extracted/*; do
        row "extracted/$(basename "$f")" "graphiql@${GRAPHIQL_VERSION}" graphiql.min.css#data-uri
    done
    row LICENSE.react.txt "react@${REACT_VERSION}" LICENSE
    row LICENSE.react-dom.txt "react-dom@${REACT_DOM_VERSION}" LICENSE
    row LICENSE.graphiql.txt "graphiql@${GRAPHIQL_VERSION}" LICENSE
    row LICENSE.graphiql-explorer.txt "graphiql-explorer@${GRAPHIQL_EXPLORER_VERSION}" LICENSE
    row LICENSE.graphiql-plugin-explorer.txt "@graphiql/plugin-explorer@${PLUGIN_EXPLORER_VERSION}" -
} >"$DEST/VERSIONS.txt"

echo "Vendored GraphiQL assets written to $DEST:"
cat "$DEST/VERSIONS.txt"
