import { expect, test, type BrowserContext } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { signIn, waitForHydration } from "./helpers";

// The first-load byte budgets of scripts/budgets.json (issue #14), on the wire as Chromium
// counts them: every response's headers and compressed body. Bytes do not depend on the
// machine, so unlike the timings of scripts/bench they are tested (`tested_max`: the goal
// where it is reached, else today's size, so a change can only make them smaller). Only a
// release build is what users download; a debug wasm is ten times larger.
const budgets = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "scripts", "budgets.json"), "utf8"),
);
const releaseBuild = process.env.KAYSE_E2E_PROFILE === "release";

/** Skips outside the release build, where a developer may run the suite on a debug build;
 * CI (scripts/test) always builds the split release and must never skip. */
function requireReleaseBuild(why: string) {
  test.skip(!releaseBuild && !process.env.CI, `${why} (KAYSE_E2E_PROFILE=release)`);
}

/** Counts the bytes every response of the context's new page takes on the wire. */
async function countingPage(context: BrowserContext) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const counted = { bytes: 0, urls: [] as string[] };
  const urls = new Map<string, string>();
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.loadingFinished", (e) => {
    counted.bytes += e.encodedDataLength;
    counted.urls.push(`${urls.get(e.requestId)} ${e.encodedDataLength}`);
  });
  return { page, counted };
}

async function settle(page: import("@playwright/test").Page, url: string) {
  await page.goto(url);
  await waitForHydration(page);
  await page.waitForLoadState("networkidle");
}

test("a signed-in cold visit to Profile, and each page after it, fit the byte budgets", async ({
  browser,
  page,
}) => {
  requireReleaseBuild("byte budgets apply to the release build");
  await signIn(page);
  const cookies = await page.context().cookies();

  // A new context has an empty cache: the whole first load is counted.
  const context = await browser.newContext();
  await context.addCookies(cookies);
  const { page: cold, counted } = await countingPage(context);
  await settle(cold, "/settings/profile");
  await expect(cold.getByLabel("Full name")).toBeVisible();
  console.log(`first load of /settings/profile: ${counted.bytes} bytes`);
  expect(counted.bytes, `first load:\n${counted.urls.join("\n")}`).toBeLessThanOrEqual(
    budgets.first_load_bytes.tested_max,
  );
  // The head asks for the wasm splitter's loader at once (the JS module imports it, so
  // without the hint it would wait for the module), and the wasm is compiled as it arrives.
  await expect(cold.locator('head link[rel="modulepreload"][href*="__wasm_split."]')).toHaveCount(1);
  // The bell's panel is its own download, fetched the first time the bell opens.
  expect(counted.urls.filter((u) => u.includes("notification_panel"))).toEqual([]);
  const beforeBell = counted.bytes;
  const seenBeforeBell = counted.urls.length;
  await cold.getByRole("button", { name: /^Notifications/ }).click();
  const panel = cold.getByRole("region", { name: "Notifications" });
  await expect(panel.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await expect(panel.getByLabel("Show notifications of")).toBeVisible();
  await cold.waitForLoadState("networkidle");
  expect(counted.urls.slice(seenBeforeBell).some((u) => u.includes("notification_panel"))).toBe(true);
  console.log(`then the bell: ${counted.bytes - beforeBell} bytes`);
  await cold.keyboard.press("Escape");

  // Then every other page: what it adds with the /pkg files cached.
  for (const url of [
    "/settings/notifications",
    "/settings/security",
    "/settings/sessions",
    "/",
    "/tasks",
    "/settings/profile",
  ]) {
    const before = counted.bytes;
    const seen = counted.urls.length;
    await settle(cold, url);
    console.log(`then ${url}: ${counted.bytes - before} bytes`);
    if (url === "/settings/profile") {
      // Back on Profile: the timezone list comes from the browser's cache (a GET it may
      // keep for a day), not again from the server.
      const lists = counted.urls.slice(seen).filter((u) => u.includes("/api/list_timezones"));
      expect(lists.length, "the form asks for the list again").toBeGreaterThan(0);
      expect(lists.every((u) => u.endsWith(" 0")), lists.join("\n")).toBe(true);
    }
    if (url === "/settings/security") {
      // A lazy page's HTML announces its own wasm file (Leptos reads the split manifest).
      await expect(cold.locator('head link[rel="preload"][href*="split___security_route"]')).toHaveCount(1);
    }
    expect(counted.bytes - before, `${url}:\n${counted.urls.slice(seen).join("\n")}`).toBeLessThanOrEqual(
      budgets.extra_page_bytes.tested_max,
    );
  }
  await context.close();
});

test("every render of a lazy page announces its wasm, many at once", async ({ page }) => {
  requireReleaseBuild("only a split release build has lazy pages");
  await signIn(page);
  // Signed-in pages are rendered whole before they are sent; Leptos announces a lazy
  // page's chunks from the owner current once it has rendered, which the server's
  // `page_owner` layer makes the page's own on every request, whatever else runs beside.
  const pages = await Promise.all(
    Array.from({ length: 30 }, (_, n) =>
      page.request.get(n % 2 ? "/settings/security" : "/settings/notifications"),
    ),
  );
  for (const [n, reply] of pages.entries()) {
    expect(reply.status()).toBe(200);
    const route = n % 2 ? "split___security_route" : "split___notifications_route";
    expect(await reply.text()).toMatch(new RegExp(`<link [^>]*href="/pkg/${route}[^"]*\\.wasm" rel="preload"`));
  }
});
