// The flags every browser test launches Debian's chromium with: no sandbox (root in CI),
// and no traffic of the browser's own, so the tests see only the page's requests.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
