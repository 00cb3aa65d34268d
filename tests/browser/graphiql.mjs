// Headless Chromium opens the subgraph's GraphiQL page, types a coordinator token into the
// headers editor, runs two queries through the page's own buttons, and reports what it saw and
// every request the page made. Run by tests/browser/test_graphiql_browser.py:
//   node graphiql.mjs BASE_URL TOKEN NEIGHBOURHOOD   (prints one JSON object)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./chromium.mjs";

const [baseUrl, token, neighbourhood] = process.argv.slice(2);
const executablePath = process.env.CIP_CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "cip-chromium-"));
const requests = [];

const QUERIES = [
  // Anonymous, so GraphiQL sends no operation name left over from the previous document.
  "{ careScope { isNot canHold cannotHold } }",
  `{ careCoordinationView(neighborhood: "${neighbourhood}") {
  neighborhood asOf windowDays openHolds { value suppressed } careLoad { trend } } }`,
];

async function setEditor(page, selector, text) {
  // Typed as a person would: focus the editor, select all, type over it.
  await page.click(`${selector} .CodeMirror-scroll`);
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
  const value = await page.$eval(`${selector} .CodeMirror`, (el) => el.CodeMirror.getValue());
  if (value !== text) throw new Error(`editor ${selector} holds ${JSON.stringify(value)}`);
}

async function run(page, query) {
  await setEditor(page, ".graphiql-query-editor", query);
  const answered = page.waitForResponse((r) => r.url().endsWith("/graphql") && r.request().method() === "POST"
    && (r.request().postData() || "").includes(query.slice(6, 20)));
  await page.click(".graphiql-execute-button");
  await answered;
  await page.waitForFunction(() => {
    const el = document.querySelector(".graphiql-response .CodeMirror");
    return el && el.CodeMirror.getValue().trim().startsWith("{");
  });
  const shown = await page.$eval(".graphiql-response .CodeMirror", (el) => el.CodeMirror.getValue());
  return JSON.parse(shown);
}

const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: CHROMIUM_ARGS,
});
try {
  browser.on("request", (r) => requests.push(r.url()));
  const page = browser.pages()[0] || (await browser.newPage());
  await page.goto(`${baseUrl}/graphql`, { waitUntil: "networkidle" });
  await page.waitForSelector(".graphiql-execute-button");
  // The tools pane opens on Headers (init.js); the hidden editor beside it is Variables.
  const active = await page.$eval(".graphiql-editor-tools button.active", (b) => b.textContent);
  if (active.trim() !== "Headers") throw new Error(`the open tool tab is ${active}`);
  await setEditor(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)", JSON.stringify({ Authorization: `Bearer ${token}` }));
  const answers = [];
  for (const query of QUERIES) answers.push(await run(page, query));
  const title = await page.title();
  process.stdout.write(JSON.stringify({ title, answers, requests }) + "\n");
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
