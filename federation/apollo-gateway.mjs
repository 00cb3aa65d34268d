// @apollo/gateway with @apollo/server in front of a supergraph written by
// `cip check-partition --supergraph-out PATH --for apollo-gateway` (see docs/federation.md).
//
//   node apollo-gateway.mjs ../.cip/supergraph-apollo.graphql --host 127.0.0.1 --port 4000
//
// This gateway enforces none of CIP's directives (@authenticated, @requiresScopes,
// @aggregateOnly): the supergraph it is given has the SECURITY features stripped, because
// @apollo/gateway refuses them. It verifies no token. CIP verifies every token and enforces
// every directive itself; the gateway only passes the caller's Authorization header on.
//
// Environment:
//   CIP_GATEWAY_SECRET         sent to the `cip` subgraph only, in x-cip-gateway-secret
//                              (CIP_GATEWAY_SECRET on CIP's side; with a list, the first).
//   CIP_GATEWAY_INTROSPECTION  "1" (default) or "0": introspection of the supergraph.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const env = process.env;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "4000" } },
});
if (positionals.length !== 1) {
  process.stderr.write("usage: node apollo-gateway.mjs SUPERGRAPH [--host H] [--port P]\n");
  process.exit(2);
}
const secret = (env.CIP_GATEWAY_SECRET ?? "").split(",")[0].trim();

class CallerHeaders extends RemoteGraphQLDataSource {
  constructor(name, url) {
    super({ url });
    this.subgraphName = name;
  }

  // Each subgraph verifies the caller itself, with the caller's own token; nothing else of
  // the client's request is passed on. Only CIP gets the gateway secret.
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set("authorization", context.authorization);
    if (this.subgraphName === "cip" && secret) {
      request.http.headers.set("x-cip-gateway-secret", secret);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(positionals[0], "utf8"),
  buildService: ({ name, url }) => new CallerHeaders(name, url),
});
const server = new ApolloServer({
  gateway,
  introspection: (env.CIP_GATEWAY_INTROSPECTION ?? "1") !== "0",
  includeStacktraceInErrorResponses: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { host: values.host, port: Number(values.port) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(`apollo-gateway ready at ${url}\n`);
