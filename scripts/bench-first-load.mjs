// The browser half of scripts/bench: for each page, cold visits (empty cache) in Debian's
// headless Chromium, signed in with the session cookie it is given. Prints one JSON line per
// page: the bytes on the wire (headers and compressed bodies, as Chromium counts them), the
// bytes by kind, and the milliseconds from navigation start to hydration (the wasm marks
// <body data-hydrated="true">): the median of several cold visits, with the range. Then,
// with the cache warm from /settings/profile, the extra bytes a visit to each other page
// downloads.
//
//   node scripts/bench-first-load.mjs BASE_URL COOKIE_NAME COOKIE_VALUE PAGE...
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const [base, cookieName, cookieValue, ...pages] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});

async function freshPage() {
  const context = await browser.newContext();
  await context.addCookies([{ name: cookieName, value: cookieValue, url: base }]);
  // Records when the wasm marks the page hydrated, on the page's own clock.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === "true") {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const kinds = new Map();
  cdp.on("Network.responseReceived", (e) => kinds.set(e.requestId, kindOf(e.response)));
  const counted = { total: 0, byKind: {} };
  cdp.on("Network.loadingFinished", (e) => {
    const kind = kinds.get(e.requestId) ?? "other";
    counted.total += e.encodedDataLength;
    counted.byKind[kind] = (counted.byKind[kind] ?? 0) + e.encodedDataLength;
  });
  return { context, page, counted };
}

function kindOf(response) {
  const type = response.mimeType ?? "";
  if (type.includes("wasm")) return "wasm";
  if (type.includes("javascript")) return "js";
  if (type.includes("css")) return "css";
  if (type.includes("html")) return "html";
  return "other";
}

async function visit(page, url) {
  await page.goto(base + url, { waitUntil: "load" });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
  // Lazy route chunks and the page's first server-function calls settle after hydration.
  await page.waitForLoadState("networkidle");
  return page.evaluate(() => window.__hydratedAt);
}

// One cold visit's hydration time swings by a hundred milliseconds on a busy two-core
// machine, so each page is visited cold COLD_VISITS times: the bytes of the first visit
// (they do not vary), and the median time with the range.
const COLD_VISITS = 7;
for (const url of pages) {
  const times = [];
  let first;
  for (let visitNumber = 0; visitNumber < COLD_VISITS; visitNumber++) {
    const { context, page, counted } = await freshPage();
    times.push(await visit(page, url));
    first ??= { landedOn: new URL(page.url()).pathname, bytes: counted.total, byKind: counted.byKind };
    await context.close();
  }
  times.sort((a, b) => a - b);
  const hydratedMs = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ cold: url, ...first, hydratedMs, fastestMs: times[0], slowestMs: times.at(-1) }));
}

// Warm: what each other page adds after /settings/profile (immutable /pkg files come from
// the cache; the page's HTML, its lazy chunk and its data do not).
{
  const { context, page, counted } = await freshPage();
  await visit(page, "/settings/profile");
  for (const url of pages.filter((p) => p !== "/settings/profile")) {
    const before = counted.total;
    await visit(page, url);
    console.log(JSON.stringify({ warm: url, extraBytes: counted.total - before }));
  }
  await context.close();
}
await browser.close();
