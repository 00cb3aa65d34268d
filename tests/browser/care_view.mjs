// Headless Chromium opens the Care view plugin in the subgraph's GraphiQL page, first with a
// coordinator's token, then with a member's, and reports what each saw, every request the
// page made and where it saved its screenshots. Run by tests/browser/test_care_view_browser.py:
//   node care_view.mjs BASE_URL COORDINATOR_TOKEN MEMBER_TOKEN NEIGHBOURHOOD OUT_DIR
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./chromium.mjs";

const [baseUrl, coordinatorToken, memberToken, neighbourhood, outDir] = process.argv.slice(2);
const executablePath = process.env.CIP_CHROMIUM || "/usr/bin/chromium";
const requests = [];
const problems = [];
const HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)";
const OPEN = 'button[aria-label="Show Care view"]';

async function setEditor(page, selector, text) {
  await page.click(`${selector} .CodeMirror-scroll`);
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
  const value = await page.$eval(`${selector} .CodeMirror`, (el) => el.CodeMirror.getValue());
  if (value !== text) throw new Error(`editor ${selector} holds ${JSON.stringify(value)}`);
}

async function openPage(page, token) {
  await page.goto(`${baseUrl}/graphql`, { waitUntil: "networkidle" });
  await page.waitForSelector(".graphiql-execute-button");
  await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }));
  // Opened from the keyboard: the sidebar button takes focus and Enter opens the panel.
  // (GraphiQL would remember an open panel in localStorage; each context starts empty.)
  if (!(await page.$(".cip-care-view"))) {
    await page.focus(OPEN);
    await page.keyboard.press("Enter");
  }
  await page.waitForSelector(".cip-care-view");
}

async function coordinatorView(page, shot) {
  await openPage(page, coordinatorToken);
  const section = `.cip-nbh[data-neighborhood="${neighbourhood}"]`;
  await page.waitForSelector(`${section} .cip-card`);
  await page.waitForSelector(".cip-wellbeing, #cip-wellbeing");
  const seen = await page.$eval(section, (el) => ({
    asOf: el.querySelector(".cip-asof").textContent,
    cards: [...el.querySelectorAll(".cip-card")].map((card) => ({
      field: card.dataset.field,
      label: card.querySelector(".cip-card-label").textContent,
      value: card.querySelector(".cip-card-value").textContent,
      note: card.querySelector(".cip-card-note")?.textContent ?? null,
    })),
    weeks: [...el.querySelectorAll("svg.cip-chart g.cip-week")].map((g) => g.dataset.week),
    mine: el.querySelector(".cip-mine").textContent,
    own: [...el.querySelectorAll(".cip-own li")].map((li) => li.textContent),
    bands: el.querySelectorAll(".cip-band").length,
  }));
  seen.blurred = await page.$eval(".cip-blur", (el) => el.textContent);
  seen.wellbeing = await page.$eval(".cip-care-view", (el) => {
    const form = el.querySelector(".cip-wellbeing");
    return form ? [...form.querySelectorAll("legend")].map((l) => l.textContent) : [];
  });
  seen.peerChannel = await page.$$eval("#cip-peers", (els) => els.length);
  // Every control in the panel can be reached with Tab.
  seen.focusable = await page.$$eval(
    ".cip-care-view button, .cip-care-view input, .cip-care-view select, .cip-care-view textarea, .cip-care-view summary",
    (els) => els.filter((el) => el.tabIndex >= 0).length
  );
  await page.screenshot({ path: shot });
  seen.screenshot = shot;
  // And the chart and the care load, further down the panel.
  await page.$eval(`${section} svg.cip-chart`, (el) => el.scrollIntoView({ block: "start" }));
  seen.chartShot = shot.replace(/\.png$/, "-chart.png");
  await page.screenshot({ path: seen.chartShot });
  return seen;
}

// The well-being check's two answers and a peer post, from the keyboard: Space picks a radio
// button, typing fills the box, Enter on a focused button submits.
async function answerAndPost(page) {
  await page.focus("#cip-support-yes");
  await page.keyboard.press("Space");
  await page.focus("#cip-peer-no");
  await page.keyboard.press("Space");
  await page.focus(".cip-wellbeing button[type=submit]");
  await page.keyboard.press("Enter");
  const thanked = await page.waitForSelector(".cip-care-view [role=status] >> text=Thank you.");
  const answered = await thanked.textContent();
  await page.focus("#cip-peer-draft");
  await page.keyboard.type("Anyone free for a call on Thursday?");
  await page.focus(".cip-peer-form button[type=submit]");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".cip-posts li >> text=Anyone free for a call on Thursday?");
  const posts = await page.$$eval(".cip-posts li", (els) => els.map((li) => li.textContent));
  return { answered, posts };
}

async function memberView(page) {
  await openPage(page, memberToken);
  await page.waitForSelector(".cip-only");
  return page.$eval(".cip-care-view", (el) => ({
    text: el.textContent,
    cards: el.querySelectorAll(".cip-card").length,
    charts: el.querySelectorAll("svg.cip-chart").length,
  }));
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: CHROMIUM_ARGS,
});

async function newPage(options) {
  const context = await browser.newContext(options);
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  // Script errors and console errors (a Content-Security-Policy refusal is one).
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  return page;
}

try {
  const page = await newPage({ viewport: { width: 1280, height: 900 } });
  const coordinator = await coordinatorView(page, join(outDir, "care-view.png"));
  coordinator.acted = await answerAndPost(page);
  // Another window asks again: the release over 14 days.
  await page.selectOption("#cip-window", "14");
  await page.waitForSelector(".cip-asof >> text=over the 14 days");
  coordinator.window14 = await page.$$eval(".cip-nbh .cip-card", (els) => els.length);

  // 200% zoom of the same window: half the CSS width at twice the pixel density. The panel
  // must not need a sideways scroll bar.
  const zoomed = await newPage({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
  const atZoom = await coordinatorView(zoomed, join(outDir, "care-view-200.png"));
  const overflow = await zoomed.$eval(".graphiql-plugin", (el) => el.scrollWidth - el.clientWidth);

  const member = await memberView(await newPage({ viewport: { width: 1280, height: 900 } }));
  process.stdout.write(
    JSON.stringify({
      coordinator,
      atZoom: { weeks: atZoom.weeks.length, overflow, screenshot: atZoom.screenshot },
      member,
      requests,
      problems,
    }) + "\n"
  );
} finally {
  await browser.close();
}
