import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { Secret, TOTP } from "otpauth";
import { DATA_DIR, DEMO_EMAIL, DEMO_PASSWORD } from "../playwright.config";

export { DEMO_EMAIL, DEMO_PASSWORD };

/** Waits until the wasm has hydrated the page, so clicks reach Rust event handlers. */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true", null, {
    timeout: 30_000,
  });
}

export async function signIn(page: Page, email = DEMO_EMAIL, password = DEMO_PASSWORD) {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();
}

/** Another browser of the demo person, signed in and on an open page: what a sign-out
 * elsewhere must reach live. */
export async function signedInElsewhere(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  return { context, page };
}

export async function openAvatarMenu(page: Page) {
  await waitForHydration(page);
  await page.getByRole("button", { name: /Account menu for/ }).click();
}

export async function signOut(page: Page) {
  await openAvatarMenu(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/** The messages the server wrote to its development outbox, oldest first. */
export function outbox(): Array<{ to: string; subject: string; text: string; links: string[]; list_unsubscribe?: string }> {
  const dir = path.join(__dirname, "..", DATA_DIR, "outbox");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
}

/** Waits for the next message to `to` after `seen` messages, and returns it. */
export async function nextMessageTo(to: string, seen: number, subject?: string) {
  let found: ReturnType<typeof outbox>[number] | undefined;
  await expect
    .poll(() => {
      found = outbox()
        .slice(seen)
        .find((m) => m.to === to && (subject === undefined || m.subject === subject));
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

/** Runs axe-core (WCAG 2.1 A and AA, and best practice) and expects no violations. */
export async function expectNoViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary).toEqual([]);
}

/** The code an authenticator app shows, `stepsAhead` steps from now. */
export function appCode(secret: string, stepsAhead = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

/** Email and password, up to the second step (for an account with 2FA). */
export async function passwordStep(page: Page) {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\/verify$/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
}
