// Hive Gateway in front of the composed supergraph (see docs/federation.md).
//
//   npx hive-gateway supergraph ./supergraph.graphql --config-path gateway.config.mjs --port 4000
//
// Environment:
//   CIP_GATEWAY_ENFORCE        "1" (default): verify JWTs and enforce @authenticated and
//                              @requiresScopes at the gateway. "0": the gateway enforces nothing
//                              and only forwards the Authorization header; the subgraphs'
//                              own enforcement is all there is (a test of exactly that).
//   CIP_GATEWAY_JWKS_URL       production: the identity provider's JWKS (RS256/ES256).
//   CIP_GATEWAY_JWT_SECRET     dev only: the HS256 secret `cip token` signs with.
//   CIP_GATEWAY_JWT_ISSUER     expected `iss` (default cip-dev).
//   CIP_GATEWAY_JWT_AUDIENCE   expected `aud` (default cip).
//   CIP_GATEWAY_SECRET         sent to the `cip` subgraph only, in x-cip-gateway-secret
//                              (CIP_GATEWAY_SECRET on CIP's side; with a list, the first).
//   CIP_GATEWAY_SUBSCRIPTIONS  how the gateway subscribes to CIP: "sse" (default: GraphQL over
//                              SSE on the subgraph's URL, the Authorization header propagated
//                              like any request) or "ws" (graphql-transport-ws on /graphql,
//                              the caller's Authorization in connection_init's payload).
import {
  createInlineSigningKeyProvider,
  createRemoteJwksSigningKeyProvider,
  defineConfig,
} from "@graphql-hive/gateway";

const env = process.env;
const enforce = (env.CIP_GATEWAY_ENFORCE ?? "1") !== "0";
const secret = (env.CIP_GATEWAY_SECRET ?? "").split(",")[0].trim();
const subscriptions = env.CIP_GATEWAY_SUBSCRIPTIONS || "sse";
if (subscriptions !== "sse" && subscriptions !== "ws") {
  throw new Error("CIP_GATEWAY_SUBSCRIPTIONS must be sse or ws");
}

// Over SSE the subgraph's own HTTP transport carries subscriptions (no entry needed). Over
// WebSocket the headers are not sent: the caller's token goes in connection_init's payload,
// and the gateway keeps one subgraph connection per distinct payload (per caller).
const transportEntries =
  subscriptions === "ws"
    ? {
        cip: {
          options: {
            subscriptions: {
              kind: "ws",
              location: "/graphql",
              // The handshake carries the gateway secret, as every HTTP request to CIP does.
              ...(secret ? { headers: [["x-cip-gateway-secret", secret]] } : {}),
              options: {
                connectionParams: { Authorization: "{context.headers.authorization}" },
              },
            },
          },
        },
      }
    : undefined;

function signingKeys() {
  if (env.CIP_GATEWAY_JWKS_URL) {
    return {
      providers: [createRemoteJwksSigningKeyProvider({ jwksUri: env.CIP_GATEWAY_JWKS_URL })],
      algorithms: ["RS256", "ES256"],
    };
  }
  if (env.CIP_GATEWAY_JWT_SECRET) {
    return {
      providers: [createInlineSigningKeyProvider(env.CIP_GATEWAY_JWT_SECRET)],
      algorithms: ["HS256"],
    };
  }
  throw new Error("set CIP_GATEWAY_JWKS_URL, or CIP_GATEWAY_JWT_SECRET in dev");
}

const authentication = () => {
  const keys = signingKeys();
  return {
    jwt: {
      signingKeyProviders: keys.providers,
      tokenVerification: {
        algorithms: keys.algorithms,
        issuer: env.CIP_GATEWAY_JWT_ISSUER || "cip-dev",
        audience: env.CIP_GATEWAY_JWT_AUDIENCE || "cip",
      },
      // Public fields (careScope) need no token; a bad token is refused whole.
      reject: { missingToken: false, invalidToken: true },
      // Subgraphs verify the caller's own token (propagated below); the decoded claims,
      // raw `sub` included, are not copied into every subgraph request's body.
      forward: { payload: false, token: false },
    },
    genericAuth: {
      mode: "protect-granular",
      resolveUserFn: (context) => context.jwt?.payload ?? null,
      // CIP's tokens carry OAuth's space-separated `scope` claim.
      extractScopes: (user) => String(user?.scope ?? "").split(" ").filter(Boolean),
      rejectUnauthenticated: false,
    },
  };
};

export const gatewayConfig = defineConfig({
  ...(enforce ? authentication() : {}),
  ...(transportEntries ? { transportEntries } : {}),
  // Each subgraph verifies the caller itself, with the caller's own token; nothing else of
  // the client's request is passed on. Only CIP gets the gateway secret.
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, subgraphName }) => ({
      authorization: request.headers.get("authorization") ?? undefined,
      ...(subgraphName === "cip" && secret ? { "x-cip-gateway-secret": secret } : {}),
    }),
  },
  // The gateway's own GraphiQL loads assets from a CDN; coordinators use the subgraph's.
  graphiql: false,
  maskedErrors: true,
  logging: env.CIP_GATEWAY_LOG_LEVEL || "warn",
});
