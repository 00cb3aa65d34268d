// graphql-http's server audit suite (the GraphQL over HTTP spec) against one endpoint; prints
// one JSON object on stdout: { version, results: [{id, name, status, reason?}] }, status being
// ok, notice, warn (a SHOULD or MAY not met) or error (a MUST not met).
// Usage: node http-audit.mjs http://127.0.0.1:4001/graphql [header:value ...]
// Extra header:value arguments are sent with every request (CIP_GATEWAY_SECRET's header).
import { createRequire } from "node:module";

import { auditServer } from "graphql-http";

const require = createRequire(import.meta.url);
const [url, ...extra] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: node http-audit.mjs URL [header:value ...]\n");
  process.exit(2);
}
const added = Object.fromEntries(
  extra.map((h) => [h.slice(0, h.indexOf(":")).trim(), h.slice(h.indexOf(":") + 1).trim()]),
);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(added)) headers.set(name, value);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const out = [];
for (const r of results) {
  const entry = { id: r.id, name: r.name, status: r.status };
  if (r.status !== "ok") entry.reason = r.reason;
  out.push(entry);
}
const version = require("graphql-http/package.json").version;
process.stdout.write(JSON.stringify({ version, results: out }) + "\n");
