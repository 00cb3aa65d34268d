/*
 * The "Care view": a GraphiQL plugin for coordinators (see subgraph/graphiql.py and
 * docs/care-view.md).
 *
 * It reads the token from GraphiQL's Headers tab and asks the subgraph (the page's own
 * GraphQL endpoint, nothing else) for the coordinator's figures, then says them in words:
 * the latest weekly release as cards, a 12-week chart drawn as plain SVG, the care load as a
 * picture of concentration without names, the coordinator's own holds and open asks, the
 * well-being check when it is due and the peer channel. A token without cip:coordinator gets
 * one sentence and no figures.
 *
 * Plain script (no build step, no JSX) on the globals React and GraphiQL from the vendored
 * UMD bundles. Exposes window.CipCareView.plugin({ url }) for init.js.
 */
(function () {
  "use strict";

  var h = React.createElement;
  var COORDINATOR = "cip:coordinator";
  var WINDOWS = [90, 30, 14];
  var FLOOR = 5; // @aggregateOnly(minCell: 5): what a coordinator's suppressed count is below

  var SUPPRESSED = "fewer than " + FLOOR + ": not shown, so no one can be picked out";
  var BLURRED = "Numbers are slightly blurred on purpose, so that no one can be picked out.";
  var FOR_COORDINATORS =
    "The care view is for coordinators: this token does not carry cip:coordinator, so it shows no figures.";

  var COUNTS = [
    ["activeCircles", "Active circles"],
    ["formingCircles", "Circles still forming"],
    ["openHolds", "Open care holds"],
    ["holdsWaitingOver7Days", "Holds waiting more than 7 days"],
    ["openSupportAsks", "Open asks for support"],
    ["activeRepairThreads", "Active repair threads"],
  ];
  var RATES = [
    ["circleFormationWithin14Days", "Needs that became a circle within 14 days", "needs opened"],
    ["holdPickupWithin7Days", "Holds picked up within 7 days", "holds opened"],
    ["repairThreadsClosed", "Repair threads closed", "threads opened"],
  ];
  var TRENDS = {
    RISING: "is rising: fewer coordinators are carrying more of the work than 8 weeks ago",
    FALLING: "is falling: the work is spreading out compared with 8 weeks ago",
    STEADY: "is steady over the last 8 weeks",
    UNKNOWN: "has no trend yet: it needs 8 weeks with enough coordinators",
  };
  var BANDS = {
    SPREAD: "spread",
    MODERATE: "moderate",
    CONCENTRATED: "concentrated",
    UNKNOWN: "unknown",
  };

  var COUNT = "{ value suppressed }";
  var RATE = "{ rate numerator " + COUNT + " denominator " + COUNT + " }";
  var NEIGHBOURHOOD_QUERY =
    "query CareViewNeighbourhood($n: ID!, $w: Int!) {\n" +
    "  careCoordinationView(neighborhood: $n, windowDays: $w) {\n" +
    "    neighborhood asOf windowDays\n" +
    COUNTS.map(function (c) {
      return "    " + c[0] + " " + COUNT + "\n";
    }).join("") +
    RATES.map(function (r) {
      return "    " + r[0] + " " + RATE + "\n";
    }).join("") +
    "    careLoad { coordinators " + COUNT + " gini topTwoShare myShare trend }\n" +
    "  }\n" +
    "  careWeeks(neighborhood: $n, weeks: 12) {\n" +
    "    weekStarting activeCircles " + COUNT + " openHolds " + COUNT +
    " circlesFormed " + COUNT + " loadConcentration\n" +
    "  }\n" +
    "  supportAsks(neighborhood: $n) { id note askedOn daysOpen expiresOn }\n" +
    "}";
  var OWN_QUERY =
    "query CareViewOwn {\n" +
    "  wellbeingCheck { due lastAnsweredOn prompt }\n" +
    "  peerChannel(first: 20) { id body postedOn mine }\n" +
    "  myCareHolds { id neighborhood status openedOn daysOpen }\n" +
    "}";
  var ANSWER_WELLBEING =
    "mutation CareViewWellbeing($s: Boolean!, $p: Boolean!) {\n" +
    "  answerWellbeingCheck(hasSupport: $s, wantsPeerConnection: $p) { due lastAnsweredOn prompt }\n" +
    "}";
  var POST_PEER =
    "mutation CareViewPeerPost($b: String!) { postToPeerChannel(body: $b) { id body postedOn mine } }";

  // ------------------------------------------------------------------ pure helpers

  function readAuthorization(headersText) {
    if (!headersText || !headersText.trim()) return null;
    var parsed;
    try {
      parsed = JSON.parse(headersText);
    } catch (err) {
      return { error: "The Headers tab does not hold valid JSON." };
    }
    if (!parsed || typeof parsed !== "object") return null;
    var value = null;
    Object.keys(parsed).forEach(function (key) {
      if (key.toLowerCase() === "authorization" && typeof parsed[key] === "string") {
        value = parsed[key];
      }
    });
    if (!value) return null;
    var match = /^Bearer\s+(\S+)$/i.exec(value.trim());
    if (!match) return { error: 'The Authorization header should read "Bearer <token>".' };
    return { header: value.trim(), token: match[1] };
  }

  // The token's claims, read only to choose what to ask for; the subgraph verifies the token.
  function readClaims(token) {
    var parts = token.split(".");
    if (parts.length !== 3) return null;
    try {
      var b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
      while (b64.length % 4) b64 += "=";
      var text = decodeURIComponent(
        Array.prototype.map
          .call(atob(b64), function (c) {
            return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2);
          })
          .join("")
      );
      var claims = JSON.parse(text);
      var scopes = typeof claims.scope === "string" ? claims.scope.split(/\s+/) : [];
      var nbh = claims.nbh;
      if (typeof nbh === "string") nbh = [nbh];
      if (!Array.isArray(nbh)) nbh = [];
      return {
        coordinator: scopes.indexOf(COORDINATOR) >= 0,
        neighbourhoods: nbh.filter(function (n) {
          return typeof n === "string" && n;
        }),
      };
    } catch (err) {
      return null;
    }
  }

  function utcDate(isoDay) {
    return new Date(isoDay + "T00:00:00Z");
  }

  function longDate(isoDay) {
    return utcDate(isoDay).toLocaleDateString("en-GB", {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    });
  }

  function shortDate(isoDay) {
    return utcDate(isoDay).toLocaleDateString("en-GB", {
      day: "numeric",
      month: "short",
      timeZone: "UTC",
    });
  }

  function addDays(isoDay, days) {
    var d = utcDate(isoDay);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function duration(days) {
    if (days === 0) return "today";
    if (days < 14) return plural(days, "day", "days");
    return plural(Math.round(days / 7), "week", "weeks") + " (" + days + " days)";
  }

  function percent(share) {
    return Math.round(share * 100) + "%";
  }

  function countText(cell) {
    if (!cell || cell.suppressed || cell.value === null) return SUPPRESSED;
    return String(cell.value);
  }

  function rateParts(rate, noun) {
    var num = rate.numerator;
    var den = rate.denominator;
    if (num.suppressed || den.suppressed) return { value: SUPPRESSED, note: "" };
    if (den.value === 0) return { value: "none yet", note: "no " + noun + " in the window" };
    if (rate.rate === null) return { value: SUPPRESSED, note: "" };
    return { value: percent(rate.rate), note: num.value + " of " + den.value + " " + noun };
  }

  function codeOf(error) {
    return (error && error.extensions && error.extensions.code) || "";
  }

  function errorsAt(answer, field) {
    return (answer.errors || []).filter(function (e) {
      return e.path && e.path[0] === field;
    });
  }

  function explain(errors) {
    var e = errors[0];
    var code = codeOf(e);
    if (code === "UNAUTHENTICATED")
      return "The subgraph refused the token in the Headers tab (UNAUTHENTICATED): it may have expired. Mint a new one.";
    if (code === "FORBIDDEN") return "This token does not act for this neighbourhood (FORBIDDEN).";
    return (e && e.message ? e.message : "The request failed.") + (code ? " (" + code + ")" : "");
  }

  // ------------------------------------------------------------------ requests

  function makeClient(url, authorization) {
    return function (query, variables) {
      return fetch(url, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: authorization,
        },
        body: JSON.stringify({ query: query, variables: variables || {} }),
      }).then(function (response) {
        return response.json().catch(function () {
          return { errors: [{ message: "The subgraph answered HTTP " + response.status + "." }] };
        });
      });
    };
  }

  // ------------------------------------------------------------------ pieces of the view

  function Card(props) {
    return h(
      "li",
      { className: "cip-card", "data-field": props.field },
      h("span", { className: "cip-card-label" }, props.label),
      h(
        "span",
        { className: "cip-card-value" + (props.value === SUPPRESSED ? " cip-suppressed" : "") },
        props.value
      ),
      props.note ? h("span", { className: "cip-card-note" }, props.note) : null
    );
  }

  function Cards(props) {
    var view = props.view;
    var cards = COUNTS.map(function (c) {
      return h(Card, { key: c[0], field: c[0], label: c[1], value: countText(view[c[0]]) });
    }).concat(
      RATES.map(function (r) {
        var parts = rateParts(view[r[0]], r[2]);
        return h(Card, { key: r[0], field: r[0], label: r[1], value: parts.value, note: parts.note });
      })
    );
    return h("ul", { className: "cip-cards", "aria-label": "The release in figures" }, cards);
  }

  // The chart is drawn at the width it is shown at (one SVG unit is one CSS pixel), so its
  // labels keep the page's text size in a narrow panel and at 200% zoom.
  var CHART = { height: 240, left: 36, right: 8, top: 12, bottom: 40, label: 48 };

  function useWidth(ref, fallback) {
    var state = React.useState(fallback);
    React.useEffect(function () {
      var el = ref.current;
      if (!el) return undefined;
      function measure() {
        var w = Math.round(el.getBoundingClientRect().width);
        if (w > 0) state[1](w);
      }
      measure();
      if (typeof ResizeObserver === "undefined") return undefined;
      var observer = new ResizeObserver(measure);
      observer.observe(el);
      return function () {
        observer.disconnect();
      };
    }, []);
    return state[0];
  }

  function Chart(props) {
    var weeks = props.weeks;
    var figure = React.useRef(null);
    var width = Math.max(useWidth(figure, 480), 160);
    var shown = function (cell) {
      return cell && !cell.suppressed && cell.value !== null ? cell.value : null;
    };
    var max = FLOOR;
    weeks.forEach(function (w) {
      [w.activeCircles, w.openHolds, w.circlesFormed].forEach(function (c) {
        var v = shown(c);
        if (v !== null && v > max) max = v;
      });
    });
    var plotW = width - CHART.left - CHART.right;
    var plotH = CHART.height - CHART.top - CHART.bottom;
    var slot = plotW / Math.max(weeks.length, 1);
    var gap = slot > 24 ? 6 : 2;
    var bar = Math.max(1, (slot - gap) / 3);
    var stride = Math.max(1, Math.ceil(CHART.label / slot)); // every stride-th week is labelled
    var y = function (v) {
      return CHART.top + plotH - (v / max) * plotH;
    };
    max = Math.ceil(max / 2) * 2; // an even top, so the middle tick is a whole number
    var ticks = [0, max / 2, max];
    var series = [
      ["activeCircles", "cip-bar-circles", "active circles"],
      ["openHolds", "cip-bar-holds", "open holds"],
      ["circlesFormed", "cip-bar-formed", "circles formed"],
    ];
    var groups = weeks.map(function (w, i) {
      var x0 = CHART.left + i * slot + gap / 2;
      var words = series
        .map(function (s) {
          var v = shown(w[s[0]]);
          return (v === null ? "fewer than " + FLOOR : v) + " " + s[2];
        })
        .join(", ");
      var marks = series.map(function (s, k) {
        var v = shown(w[s[0]]);
        var x = x0 + k * bar;
        if (v === null) {
          // A suppressed week: a hollow stub at the floor's height, never a value.
          return h("rect", {
            key: s[0],
            className: "cip-bar-suppressed",
            x: x + 1,
            y: y(FLOOR),
            width: bar - 2,
            height: CHART.top + plotH - y(FLOOR),
          });
        }
        return h("rect", {
          key: s[0],
          className: s[1],
          x: x,
          y: y(v),
          width: bar - 1,
          height: Math.max(CHART.top + plotH - y(v), v === 0 ? 1 : 0),
        });
      });
      return h(
        "g",
        { key: w.weekStarting, className: "cip-week", "data-week": w.weekStarting },
        h("title", null, "Week of " + shortDate(w.weekStarting) + ": " + words),
        marks,
        (weeks.length - 1 - i) % stride === 0
          ? h(
              "text",
              {
                className: "cip-axis-label",
                // The newest week's label ends at its bar, so it is never cut off on the right.
                x: i === weeks.length - 1 ? x0 + slot - gap : x0 + (slot - gap) / 2,
                y: CHART.height - CHART.bottom + 18,
                textAnchor: i === weeks.length - 1 ? "end" : "middle",
              },
              shortDate(w.weekStarting)
            )
          : null
      );
    });
    var label =
      "Bar chart of the last " +
      weeks.length +
      " weeks: active circles, open holds and circles formed each week. The table below has the same figures.";
    return h(
      "figure",
      { className: "cip-figure", ref: figure },
      h(
        "svg",
        {
          className: "cip-chart",
          viewBox: "0 0 " + width + " " + CHART.height,
          width: width,
          height: CHART.height,
          role: "img",
          "aria-label": label,
          focusable: "false",
        },
        ticks.map(function (t) {
          return h(
            "g",
            { key: "tick" + t },
            h("line", {
              className: "cip-grid",
              x1: CHART.left,
              x2: width - CHART.right,
              y1: y(t),
              y2: y(t),
            }),
            h("text", { className: "cip-axis-label", x: CHART.left - 6, y: y(t) + 5, textAnchor: "end" }, String(t))
          );
        }),
        groups
      ),
      h(
        "figcaption",
        { className: "cip-legend" },
        series.map(function (s) {
          return h(
            "span",
            { key: s[0], className: "cip-legend-item" },
            h("span", { className: "cip-swatch " + s[1], "aria-hidden": "true" }),
            s[2]
          );
        }),
        h(
          "span",
          { className: "cip-legend-item" },
          h("span", { className: "cip-swatch cip-bar-suppressed", "aria-hidden": "true" }),
          "fewer than " + FLOOR + " (not shown)"
        )
      ),
      h(
        "details",
        { className: "cip-details" },
        h("summary", null, "The same weeks as a table"),
        h(
          "div",
          { className: "cip-table-wrap", tabIndex: 0, role: "region", "aria-label": "The last weeks as a table" },
          h(
          "table",
          { className: "cip-table" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, "Week starting"),
              h("th", { scope: "col" }, "Active circles"),
              h("th", { scope: "col" }, "Open holds"),
              h("th", { scope: "col" }, "Circles formed"),
              h("th", { scope: "col" }, "Load")
            )
          ),
          h(
            "tbody",
            null,
            weeks.map(function (w) {
              return h(
                "tr",
                { key: w.weekStarting },
                h("th", { scope: "row" }, shortDate(w.weekStarting)),
                h("td", null, countText(w.activeCircles) === SUPPRESSED ? "fewer than " + FLOOR : countText(w.activeCircles)),
                h("td", null, countText(w.openHolds) === SUPPRESSED ? "fewer than " + FLOOR : countText(w.openHolds)),
                h("td", null, countText(w.circlesFormed) === SUPPRESSED ? "fewer than " + FLOOR : countText(w.circlesFormed)),
                h("td", null, BANDS[w.loadConcentration] || w.loadConcentration)
              );
            })
          )
        ))
      )
    );
  }

  function ShareBar(props) {
    var width = Math.max(0, Math.min(1, props.share)) * 100;
    return h(
      "div",
      { className: "cip-share" },
      h("span", { className: "cip-share-label" }, props.label),
      h(
        "span",
        { className: "cip-share-track", "aria-hidden": "true" },
        h("span", { className: "cip-share-fill " + props.tone, style: { width: width + "%" } })
      ),
      h("span", { className: "cip-share-value" }, percent(props.share))
    );
  }

  function CareLoad(props) {
    var load = props.load;
    var weeks = props.weeks;
    var lines = [];
    var coordinators = load.coordinators;
    var who =
      coordinators.suppressed || coordinators.value === null
        ? "Fewer than " + FLOOR + " coordinators acted in the window"
        : plural(coordinators.value, "coordinator", "coordinators") + " acted in the window";
    lines.push(h("p", { key: "who" }, who + "."));
    var bars = [];
    if (load.topTwoShare !== null) {
      bars.push(h(ShareBar, { key: "top", label: "The two busiest coordinators", share: load.topTwoShare, tone: "cip-fill-top" }));
      bars.push(h(ShareBar, { key: "rest", label: "Everyone else together", share: 1 - load.topTwoShare, tone: "cip-fill-rest" }));
    }
    if (load.myShare !== null) {
      bars.push(h(ShareBar, { key: "me", label: "You", share: load.myShare, tone: "cip-fill-me" }));
    }
    if (bars.length) {
      lines.push(h("div", { key: "bars", className: "cip-shares", role: "group", "aria-label": "Shares of the coordination actions" }, bars));
    }
    lines.push(
      h(
        "p",
        { key: "mine", className: "cip-mine" },
        load.myShare === null
          ? "Nobody recorded a coordination action in the window."
          : "You carry " + percent(load.myShare) + " of the coordination actions."
      )
    );
    lines.push(
      h(
        "p",
        { key: "gini" },
        load.gini === null
          ? "Too few coordinators acted to say how evenly the work is shared without giving away someone\u2019s count."
          : "Gini " + load.gini + ": 0 means the work is shared evenly, 1 means one person does all of it."
      )
    );
    lines.push(h("p", { key: "trend" }, "Concentration " + (TRENDS[load.trend] || TRENDS.UNKNOWN) + "."));
    if (weeks.length) {
      lines.push(
        h(
          "div",
          { key: "bands", className: "cip-bands" },
          h("span", { className: "cip-bands-label" }, "Week by week:"),
          h(
            "ol",
            { className: "cip-band-list" },
            weeks.map(function (w) {
              var band = w.loadConcentration;
              return h(
                "li",
                { key: w.weekStarting, className: "cip-band cip-band-" + String(band).toLowerCase() },
                h("span", { className: "cip-band-week" }, shortDate(w.weekStarting)),
                " ",
                BANDS[band] || band
              );
            })
          )
        )
      );
    }
    return h("div", { className: "cip-load" }, lines);
  }

  function holdSentence(hold) {
    var since = longDate(hold.openedOn);
    if (hold.status === "CIRCLE_FORMED") {
      return "A circle formed from this hold in " + hold.neighborhood + "; the hold opened " +
        duration(hold.daysOpen) + (hold.daysOpen ? " ago" : "") + ", on " + since + ".";
    }
    var text = "A hold in " + hold.neighborhood + ", open " + duration(hold.daysOpen) + ", since " + since + ".";
    if (hold.daysOpen > 7) text += " It has waited more than a week for a circle.";
    return text;
  }

  function askSentence(ask) {
    return "An ask for support, open " + duration(ask.daysOpen) + ": \u201c" + ask.note +
      "\u201d It is deleted on " + longDate(ask.expiresOn) + " unless a coordinator takes it.";
  }

  function Wellbeing(props) {
    var check = props.check;
    var supportState = React.useState(null);
    var peerState = React.useState(null);
    var answerState = React.useState(null);
    var busyState = React.useState(false);
    if (answerState[0]) {
      return h("section", { className: "cip-section", "aria-labelledby": "cip-wellbeing" },
        h("h3", { id: "cip-wellbeing" }, "How you are holding up"),
        h("p", { role: "status" }, answerState[0]));
    }
    if (!check.due) {
      return h("section", { className: "cip-section", "aria-labelledby": "cip-wellbeing" },
        h("h3", { id: "cip-wellbeing" }, "How you are holding up"),
        h("p", null, "Your well-being check is not due" +
          (check.lastAnsweredOn ? ": you last answered on " + longDate(check.lastAnsweredOn) + "." : ".")));
    }
    function choice(name, legend, state) {
      return h("fieldset", { className: "cip-fieldset" },
        h("legend", null, legend),
        [["yes", true, "Yes"], ["no", false, "No"]].map(function (c) {
          var id = "cip-" + name + "-" + c[0];
          return h("span", { key: c[0], className: "cip-radio" },
            h("input", { type: "radio", id: id, name: "cip-" + name, checked: state[0] === c[1],
              onChange: function () { state[1](c[1]); } }),
            h("label", { htmlFor: id }, c[2]));
        }));
    }
    function submit(event) {
      event.preventDefault();
      busyState[1](true);
      props.client(ANSWER_WELLBEING, { s: supportState[0], p: peerState[0] }).then(function (answer) {
        busyState[1](false);
        if (answer.errors) {
          answerState[1](explain(answer.errors));
        } else {
          answerState[1]("Thank you. " + answer.data.answerWellbeingCheck.prompt);
        }
      }, function () {
        busyState[1](false);
        answerState[1]("The subgraph could not be reached.");
      });
    }
    var ready = supportState[0] !== null && peerState[0] !== null && !busyState[0];
    return h("section", { className: "cip-section cip-wellbeing", "aria-labelledby": "cip-wellbeing" },
      h("h3", { id: "cip-wellbeing" }, "Your well-being check is due"),
      h("p", null, check.prompt),
      h("form", { onSubmit: submit },
        choice("support", "Do you have support of your own?", supportState),
        choice("peer", "Would a conversation with another coordinator help?", peerState),
        h("button", { type: "submit", className: "cip-button", disabled: !ready }, "Send my answers")),
      h("p", { className: "cip-small" },
        "Only the day you answer is kept. Your answers are not stored, counted or shown to anyone; " +
        "saying yes to a conversation posts an anonymous note to the peer channel."));
  }

  function PeerChannel(props) {
    var postsState = React.useState(props.posts);
    var draftState = React.useState("");
    var statusState = React.useState("");
    var posts = postsState[0];
    function submit(event) {
      event.preventDefault();
      var body = draftState[0].trim();
      if (!body) return;
      props.client(POST_PEER, { b: body }).then(function (answer) {
        if (answer.errors) {
          statusState[1](explain(answer.errors));
          return;
        }
        postsState[1]([answer.data.postToPeerChannel].concat(posts));
        draftState[1]("");
        statusState[1]("Posted anonymously.");
      }, function () {
        statusState[1]("The subgraph could not be reached.");
      });
    }
    return h("section", { className: "cip-section", "aria-labelledby": "cip-peers" },
      h("h3", { id: "cip-peers" }, "Peer channel"),
      h("p", null, "Anonymous notes between coordinators of every neighbourhood, newest first. Nobody, not even CIP, can tell who wrote one."),
      posts.length
        ? h("ul", { className: "cip-posts" }, posts.map(function (p) {
            return h("li", { key: p.id },
              h("span", { className: "cip-small" }, "Posted " + longDate(p.postedOn) + (p.mine ? " (yours)" : "") + ": "),
              p.body);
          }))
        : h("p", null, "Nobody has posted yet."),
      h("form", { onSubmit: submit, className: "cip-peer-form" },
        h("label", { htmlFor: "cip-peer-draft" }, "Write to the other coordinators"),
        h("textarea", { id: "cip-peer-draft", rows: 3, value: draftState[0],
          onChange: function (e) { draftState[1](e.target.value); } }),
        h("button", { type: "submit", className: "cip-button", disabled: !draftState[0].trim() }, "Post anonymously")),
      statusState[0] ? h("p", { role: "status" }, statusState[0]) : null);
  }

  function Neighbourhood(props) {
    var answer = props.answer;
    var name = props.name;
    var heading = h("h3", { className: "cip-nbh-title" }, name);
    var viewErrors = errorsAt(answer, "careCoordinationView");
    var view = answer.data && answer.data.careCoordinationView;
    if (!view) {
      return h("section", { className: "cip-nbh", "data-neighborhood": name },
        heading, h("p", { className: "cip-error" }, explain(viewErrors.length ? viewErrors : answer.errors || [])));
    }
    var weeks = (answer.data && answer.data.careWeeks) || [];
    var asks = (answer.data && answer.data.supportAsks) || [];
    var holds = props.holds.filter(function (hold) {
      return hold.neighborhood === name;
    });
    var own = holds.map(function (hold) {
      return h("li", { key: hold.id, className: "cip-hold" }, holdSentence(hold));
    }).concat(asks.map(function (ask) {
      return h("li", { key: ask.id, className: "cip-ask" }, askSentence(ask));
    }));
    return h(
      "section",
      { className: "cip-nbh", "data-neighborhood": name, "aria-label": "Care in " + name },
      heading,
      h("p", { className: "cip-asof" },
        "As of the week ending " + longDate(view.asOf) + ", over the " + view.windowDays +
        " days up to it. This is the weekly release: this week's changes show from next Monday."),
      h(Cards, { view: view }),
      h("h4", null, "The last 12 weeks"),
      weeks.length ? h(Chart, { weeks: weeks }) : h("p", null, explain(errorsAt(answer, "careWeeks"))),
      h("h4", null, "The care load, without names"),
      h(CareLoad, { load: view.careLoad, weeks: weeks }),
      h("h4", null, "Your holds and the open asks"),
      own.length ? h("ul", { className: "cip-own" }, own) : h("p", null, "You hold nothing here and no ask is open.")
    );
  }

  // ------------------------------------------------------------------ the panel

  function useHeadersText() {
    var editors = GraphiQL.React.useEditorContext({ nonNull: true });
    var editor = editors.headerEditor;
    var state = React.useState(editor ? editor.getValue() : "");
    React.useEffect(
      function () {
        if (!editor) return undefined;
        var timer = null;
        function changed() {
          clearTimeout(timer);
          timer = setTimeout(function () {
            state[1](editor.getValue());
          }, 400);
        }
        state[1](editor.getValue());
        editor.on("change", changed);
        return function () {
          clearTimeout(timer);
          editor.off("change", changed);
        };
      },
      [editor]
    );
    return state[0];
  }

  function CareView(props) {
    var headersText = useHeadersText();
    var auth = readAuthorization(headersText);
    var claims = auth && auth.token ? readClaims(auth.token) : null;
    var windowState = React.useState(90);
    var typedState = React.useState("");
    var askedState = React.useState("");
    var loadState = React.useState({ status: "idle" });
    var refreshState = React.useState(0);
    var wildcard = claims && (claims.neighbourhoods.indexOf("*") >= 0 || !claims.neighbourhoods.length);
    var names = claims
      ? wildcard
        ? askedState[0] ? [askedState[0]] : []
        : claims.neighbourhoods.slice().sort()
      : [];
    var header = auth && auth.header;
    var isCoordinator = Boolean(claims && claims.coordinator);
    var key = [header, windowState[0], names.join(","), refreshState[0]].join("|");

    React.useEffect(
      function () {
        if (!header || !isCoordinator) {
          loadState[1]({ status: "idle" });
          return undefined;
        }
        var live = true;
        var client = makeClient(props.url, header);
        loadState[1]({ status: "loading" });
        client(OWN_QUERY).then(function (own) {
          if (!live) return null;
          var ownErrors = errorsAt(own, "wellbeingCheck");
          // The subgraph decides: FORBIDDEN on the coordinator's own check means no coordinator.
          if (ownErrors.some(function (e) { return codeOf(e) === "FORBIDDEN"; })) {
            loadState[1]({ status: "not-coordinator" });
            return null;
          }
          if (!own.data) {
            loadState[1]({ status: "refused", errors: own.errors || [{ message: "No answer." }] });
            return null;
          }
          return Promise.all(names.map(function (n) {
            return client(NEIGHBOURHOOD_QUERY, { n: n, w: windowState[0] });
          })).then(function (answers) {
            if (live) {
              loadState[1]({
                status: "ready",
                serial: key,
                names: names,
                own: own.data,
                answers: answers,
                client: client,
              });
            }
          });
        }).catch(function () {
          if (live) loadState[1]({ status: "unreachable" });
        });
        return function () {
          live = false;
        };
      },
      [key]
    );

    var body;
    var loaded = loadState[0];
    if (auth && auth.error) {
      body = h("p", null, auth.error);
    } else if (!header) {
      body = h("p", null, 'Paste a coordinator\u2019s token into the Headers tab below the editor, as {"Authorization": "Bearer <token>"}, and the view fills in.');
    } else if (!isCoordinator || loaded.status === "not-coordinator") {
      body = h("p", { className: "cip-only" }, FOR_COORDINATORS);
    } else if (loaded.status === "refused") {
      body = h("p", { className: "cip-error" }, explain(loaded.errors));
    } else if (loaded.status === "unreachable") {
      body = h("p", { className: "cip-error" }, "The subgraph could not be reached.");
    } else {
      var controls = h("form", {
          className: "cip-controls",
          onSubmit: function (e) {
            e.preventDefault();
            if (wildcard) askedState[1](typedState[0].trim());
            refreshState[1](refreshState[0] + 1);
          },
        },
        wildcard
          ? h("span", { className: "cip-control" },
              h("label", { htmlFor: "cip-nbh-input" }, "Neighbourhood"),
              h("input", { id: "cip-nbh-input", type: "text", value: typedState[0], maxLength: 64,
                onChange: function (e) { typedState[1](e.target.value); } }))
          : null,
        h("span", { className: "cip-control" },
          h("label", { htmlFor: "cip-window" }, "Window"),
          h("select", { id: "cip-window", value: windowState[0],
            onChange: function (e) { windowState[1](Number(e.target.value)); } },
            WINDOWS.map(function (w) { return h("option", { key: w, value: w }, w + " days"); }))),
        h("button", { type: "submit", className: "cip-button" }, wildcard ? "Show" : "Refresh"));
      var parts = [controls, h("p", { key: "blur", className: "cip-blur" }, BLURRED)];
      if (loaded.status === "loading" || loaded.status === "idle") {
        parts.push(h("p", { key: "loading", role: "status" }, "Asking the subgraph\u2026"));
      } else if (loaded.status === "ready") {
        if (wildcard && !loaded.names.length) {
          parts.push(h("p", { key: "pick" }, "This token acts for every neighbourhood or names none: type one above."));
        }
        // What was asked for, not what the controls say now: the answers belong to it.
        loaded.names.forEach(function (n, i) {
          parts.push(h(Neighbourhood, { key: n, name: n, answer: loaded.answers[i], holds: loaded.own.myCareHolds || [] }));
        });
        // Keyed by the request, so a refresh starts them from the new answer.
        parts.push(h(Wellbeing, { key: "wellbeing" + loaded.serial, check: loaded.own.wellbeingCheck, client: loaded.client }));
        parts.push(h(PeerChannel, { key: "peers" + loaded.serial, posts: loaded.own.peerChannel || [], client: loaded.client }));
      }
      body = parts;
    }
    return h(
      "section",
      { className: "cip-care-view", "aria-labelledby": "cip-care-title" },
      h("h2", { id: "cip-care-title", className: "cip-title" }, "Care view"),
      h("p", { className: "cip-lede" },
        "Where care is concentrated, where it is absent, and how much of it you carry: aggregates only, never who."),
      body
    );
  }

  function HeartIcon() {
    return h(
      "svg",
      { height: "1em", viewBox: "0 0 24 24", fill: "none", "aria-hidden": "true" },
      h("path", {
        d: "M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z",
        stroke: "currentColor",
        strokeWidth: "1.5",
        strokeLinejoin: "round",
      })
    );
  }

  window.CipCareView = {
    plugin: function (options) {
      var url = options.url;
      return {
        title: "Care view",
        icon: HeartIcon,
        content: function CareViewContent() {
          return h(CareView, { url: url });
        },
      };
    },
    // For tests and for reading: the sentences the view uses.
    SUPPRESSED: SUPPRESSED,
    BLURRED: BLURRED,
    FOR_COORDINATORS: FOR_COORDINATORS,
  };
})();
