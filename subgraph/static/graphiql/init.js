/*
 * Bootstrap for the self-hosted GraphiQL page (see subgraph/graphiql.py).
 *
 * Kept out of the HTML so the page works under a Content-Security-Policy with
 * script-src 'self' (no inline script, no eval). Adapted from strawberry's
 * graphiql.html. Expects the globals React, ReactDOM, GraphiQL and
 * GraphiQLPluginExplorer from the vendored UMD bundles loaded before it, CipCareView
 * from care-view.js, and
 * the GraphQL endpoint in the data-endpoint attribute of #graphiql.
 *
 * Differences from strawberry's page:
 *  - the endpoint comes from data-endpoint and must be on the page's origin;
 *  - the headers editor is open by default (paste {"Authorization": "Bearer ..."})
 *    and headers are never persisted to localStorage nor read from / written
 *    to the URL, so a token does not outlive the tab or leak via shared links;
 *    GraphiQL 3.8.3 strips headers from its saved tab state when
 *    shouldPersistHeaders is false, but its query history
 *    ("graphiql:queries" / "graphiql:favorites") would still write them to
 *    localStorage; the scrubbing storage below drops them before they are stored;
 *  - no CSRF cookie handling (js-cookie is not vendored) and no websocket
 *    subscription URL.
 */
(function () {
  "use strict";

  var EXAMPLE_QUERY =
    "# Welcome to GraphiQL\n" +
    "#\n" +
    "# To authenticate, paste into the Headers tab below:\n" +
    '#   {"Authorization": "Bearer <token>"}\n' +
    "#\n" +
    "# Keyboard shortcuts:\n" +
    "#   Run Query:      Ctrl-Enter (or press the play button)\n" +
    "#   Auto Complete:  Ctrl-Space (or just start typing)\n" +
    "#\n";

  var rootElement = document.getElementById("graphiql");
  if (!rootElement) {
    return;
  }

  function showError(message) {
    rootElement.textContent = message;
  }

  var endpointAttr = rootElement.getAttribute("data-endpoint") || "/graphql";
  var endpointURL = new URL(endpointAttr, window.location.href);
  if (endpointURL.origin !== window.location.origin) {
    showError("GraphiQL: refusing to use a cross-origin GraphQL endpoint.");
    return;
  }
  endpointURL.hash = "";
  var fetchURL = endpointURL.toString();

  // Query and variables may be shared through the URL (?query=...&variables=...);
  // headers deliberately are not.
  var parameters = {};
  var search = window.location.search.slice(1);
  if (search) {
    search.split("&").forEach(function (entry) {
      var eq = entry.indexOf("=");
      if (eq >= 0) {
        parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
          entry.slice(eq + 1)
        );
      }
    });
  }

  function updateURL(data) {
    Object.assign(parameters, data);
    var newSearch =
      "?" +
      Object.keys(parameters)
        .filter(function (key) {
          return key !== "headers" && Boolean(parameters[key]);
        })
        .map(function (key) {
          return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
        })
        .join("&");
    history.replaceState(null, "", newSearch);
  }

  // localStorage wrapper handed to GraphiQL: same behaviour as GraphiQL's
  // default storage, except that request headers (which may carry a bearer
  // token) are never written.
  var NAMESPACE = "graphiql:";
  var NEVER_STORE = { "graphiql:headers": true };
  var SCRUB_HEADERS = {
    "graphiql:queries": true,
    "graphiql:favorites": true,
    "graphiql:tabState": true,
  };

  function withoutHeaders(value) {
    try {
      return JSON.stringify(
        JSON.parse(value, function (key, item) {
          return key === "headers" ? undefined : item;
        })
      );
    } catch (err) {
      return value;
    }
  }

  function namespacedKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key !== null && key.indexOf(NAMESPACE) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  var scrubbingStorage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      if (NEVER_STORE[key]) {
        window.localStorage.removeItem(key);
        return;
      }
      window.localStorage.setItem(key, SCRUB_HEADERS[key] ? withoutHeaders(value) : value);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      namespacedKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return namespacedKeys().length;
    },
  };

  // Remove headers an earlier page (or another GraphiQL on this origin) may
  // have left behind.
  try {
    Object.keys(NEVER_STORE).forEach(function (key) {
      window.localStorage.removeItem(key);
    });
    Object.keys(SCRUB_HEADERS).forEach(function (key) {
      var stored = window.localStorage.getItem(key);
      if (stored !== null) {
        window.localStorage.setItem(key, withoutHeaders(stored));
      }
    });
  } catch (err) {
    // localStorage unavailable (e.g. blocked by the browser): nothing to clean.
  }

  // The sidebar pane (docs, history, explorer, Care view) opens at half the width the first
  // time, so the Care view's cards have room; after a drag GraphiQL keeps the user's width.
  try {
    if (window.localStorage.getItem("graphiql:docExplorerFlex") === null) {
      window.localStorage.setItem("graphiql:docExplorerFlex", "1");
    }
  } catch (err) {
    // localStorage unavailable: GraphiQL's default width.
  }

  var fetcher = GraphiQL.createFetcher({ url: fetchURL });
  var explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();
  // The coordinators' Care view (care-view.js): asks the same endpoint, with the token
  // from the Headers tab.
  var careViewPlugin = CipCareView.plugin({ url: fetchURL });

  function GraphiQLWithExplorer() {
    var queryState = React.useState(parameters.query || parameters.q || EXAMPLE_QUERY);
    var variablesState = React.useState(parameters.variables);

    function onEditQuery(newQuery) {
      queryState[1](newQuery);
      updateURL({ query: newQuery, q: undefined });
    }

    function onEditVariables(newVariables) {
      variablesState[1](newVariables);
      updateURL({ variables: newVariables });
    }

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [careViewPlugin, explorerPlugin],
      query: queryState[0],
      variables: variablesState[0],
      onEditQuery: onEditQuery,
      onEditVariables: onEditVariables,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: scrubbingStorage,
      inputValueDeprecation: true,
    });
  }

  var root = ReactDOM.createRoot(rootElement);
  root.render(React.createElement(GraphiQLWithExplorer));
})();
