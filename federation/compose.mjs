// Compose the subgraphs named in a rover-format supergraph config with both composition
// libraries, and print one JSON object on stdout:
//   { subgraphs: [{name, routingUrl, file, sdl}],
//     compositions: [{library, version, ok, supergraphSdl | errors: [message]}] }
// Usage: node compose.mjs path/to/supergraph.yaml
// schema.file paths are relative to the config file, as rover reads them. The partition rules
// are checked by the caller (`cip check-partition`); this script only composes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";

import { composeServices as apolloCompose } from "@apollo/composition";
import {
  compositionHasErrors,
  composeServices as guildCompose,
} from "@theguild/federation-composition";
import { parse } from "graphql";
import YAML from "yaml";

const require = createRequire(import.meta.url);
const versionOf = (name) => require(`${name}/package.json`).version;

function fail(message) {
  process.stdout.write(JSON.stringify({ error: message }) + "\n");
  process.exit(2);
}

function loadSubgraphs(configPath) {
  let config;
  try {
    config = YAML.parse(readFileSync(configPath, "utf8"));
  } catch (error) {
    fail(`cannot read ${configPath}: ${error.message}`);
  }
  const entries = Object.entries(config?.subgraphs ?? {});
  if (entries.length === 0) fail(`${configPath} names no subgraphs`);
  const base = dirname(resolve(configPath));
  return entries.map(([name, spec]) => {
    const file = spec?.schema?.file;
    if (!file) fail(`subgraph ${name}: only schema.file is supported`);
    const path = resolve(base, file);
    let sdl;
    try {
      sdl = readFileSync(path, "utf8");
    } catch (error) {
      fail(`subgraph ${name}: cannot read ${file}: ${error.message}`);
    }
    return { name, routingUrl: spec.routing_url ?? null, file: path, sdl };
  });
}

function messages(errors) {
  return errors.map((e) => (e.extensions?.code ? `[${e.extensions.code}] ` : "") + e.message);
}

function compose(library, fn, subgraphs) {
  const version = versionOf(library);
  let services;
  try {
    services = subgraphs.map((s) => ({
      name: s.name,
      url: s.routingUrl ?? undefined,
      typeDefs: parse(s.sdl),
    }));
  } catch (error) {
    return { library, version, ok: false, errors: [`parse error: ${error.message}`] };
  }
  try {
    const result = fn(services);
    return result.errors?.length
      ? { library, version, ok: false, errors: messages(result.errors) }
      : { library, version, ok: true, supergraphSdl: result.supergraphSdl };
  } catch (error) {
    return { library, version, ok: false, errors: [`composition threw: ${error.message}`] };
  }
}

const configPath = process.argv[2];
if (!configPath) fail("usage: node compose.mjs SUPERGRAPH_YAML");
const subgraphs = loadSubgraphs(configPath);
const compositions = [
  compose("@apollo/composition", apolloCompose, subgraphs),
  compose(
    "@theguild/federation-composition",
    (services) => {
      const result = guildCompose(services);
      return compositionHasErrors(result) ? { errors: result.errors } : result;
    },
    subgraphs,
  ),
];
process.stdout.write(JSON.stringify({ subgraphs, compositions }) + "\n");
