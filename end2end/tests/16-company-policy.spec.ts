import { expect, test, type Browser, type Page } from "@playwright/test";
import * as fs from "node:fs";
import {
  DEMO_PASSWORD,
  appCode,
  expectNoViolations,
  nextMessageTo,
  openAvatarMenu,
  outbox,
  signIn,
  signedInElsewhere,
  waitForHydration,
} from "./helpers";

const HARPER = "Harper & Lowe LLP";
const REYES = "Reyes Legal Group";
const DANA = "dana.reyes@reyeslegal.example";
const DANA_PASSWORD = "lantern orchard thistle";

async function switchTo(page: Page, company: string) {
  if ((await page.getByTestId("company-name").textContent()) === company) return;
  await openAvatarMenu(page);
  await page.getByRole("button", { name: "Switch Company" }).click();
  await page.getByRole("button", { name: company }).click();
  await expect(page.getByTestId("company-name")).toHaveText(company);
  await waitForHydration(page);
}

async function openCompanySettings(page: Page) {
  await page.goto("/company");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Security policy" })).toBeVisible();
}

async function savePolicy(page: Page) {
  const policy = page.getByRole("region", { name: "Security policy" });
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByRole("status")).toHaveText("The security policy was saved.");
}

/** Dana, Reyes's Admin, chooses a password through "Forgot password?" (seeded teammates
 * have none anyone knows), signs in and turns on 2FA: an Admin must have it to require it. */
async function danaWithTwoFactor(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/forgot-password");
  await waitForHydration(page);
  const seen = outbox().length;
  await page.getByLabel("Email").fill(DANA);
  await page.getByRole("button", { name: "Send reset link" }).click();
  const mail = await nextMessageTo(DANA, seen, "Reset your Kayse password");
  await page.goto(mail.links[0]);
  await waitForHydration(page);
  await page.getByLabel("New password", { exact: true }).fill(DANA_PASSWORD);
  await page.getByLabel("Confirm new password").fill(DANA_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();
  await page.goto("/settings/security");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Enable 2FA" }).click();
  await page.getByLabel("Your password").fill(DANA_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
  await page.getByLabel("Verification code").fill(appCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByLabel("I have saved my backup codes").check();
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("button", { name: "Not now" }).click();
  return { context, page };
}

test("an Admin sets the idle timeout, finds the change in the audit log and exports the log as CSV", async ({ page }) => {
  await signIn(page);
  await switchTo(page, HARPER);
  // The demo person's name, whatever the Profile spec changed it to.
  await page.goto("/settings/profile");
  await waitForHydration(page);
  const me = await page.getByLabel("Full name").inputValue();
  await openCompanySettings(page);
  await expectNoViolations(page);
  const policy = page.getByRole("region", { name: "Security policy" });
  await policy.getByLabel("Idle timeout").selectOption({ label: "15 minutes" });
  await savePolicy(page);

  const log = page.getByRole("region", { name: "Audit log" });
  await page.reload();
  await waitForHydration(page);
  await log.getByLabel("Kind").selectOption({ label: "Security policy changed" });
  await expect(log.getByTestId("audit-entry").first()).toContainText("idle timeout: 15 minutes");
  await expect(log.getByTestId("audit-entry").first()).toContainText(me);
  await expectNoViolations(page);
  const download = page.waitForEvent("download");
  await log.getByRole("link", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-log-harper-lowe-llp-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync((await file.path())!, "utf8");
  expect(csv.split("\r\n")[0]).toBe("Time (UTC),Time (yours),Event,Person,Member affected,Detail,Device,Address");
  expect(csv).toContain(`Security policy changed,${me},,idle timeout: 15 minutes`);
  expect(csv).not.toContain("Signed in,");
});

test("two minutes before the idle timeout the page warns, and Stay signed in keeps the session", async ({ page }) => {
  await page.clock.install();
  await signIn(page);
  await switchTo(page, HARPER);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await expect(page.getByTestId("idle-warning")).toHaveCount(0);
  // Thirteen quiet minutes of Harper's fifteen.
  await page.clock.runFor("13:00");
  const warning = page.getByTestId("idle-warning");
  await expect(warning).toContainText(/You will be signed out in (2:00|1:5\d)/);
  await expect(warning.getByRole("button", { name: "Stay signed in" })).toBeFocused();
  await expectNoViolations(page);
  await page.keyboard.press("Enter");
  await expect(warning).toHaveCount(0);
  await page.clock.runFor("05:00");
  await expect(warning).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // Back to the server's default for the rest of the suite.
  await openCompanySettings(page);
  await page.getByRole("region", { name: "Security policy" }).getByLabel("Idle timeout").selectOption({ label: "Server default (7 days)" });
  await savePolicy(page);
});

test("Sign out all members asks for the name and the password, then ends another browser's session live", async ({ page, browser }) => {
  const { context: other, page: otherPage } = await signedInElsewhere(browser);

  await signIn(page);
  await switchTo(page, HARPER);
  await openCompanySettings(page);
  const card = page.getByRole("region", { name: "Sign out all members" });
  const button = card.getByRole("button", { name: "Sign out all members" });
  await expect(button).toBeDisabled();
  await card.getByLabel(`Type ${HARPER} to confirm`).fill(HARPER);
  await card.getByLabel("Your password").fill("not the password");
  await button.click();
  await expect(card.locator("#sign-out-all-password-error")).toHaveText("That password is not correct.");
  await expectNoViolations(page);
  await card.getByLabel("Your password").fill(DEMO_PASSWORD);
  await button.click();
  await expect(card.getByRole("status")).toContainText("Yours stays open.");
  await expect(otherPage).toHaveURL(/\/sign-in/, { timeout: 15_000 });
  await other.close();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Company settings" })).toBeVisible();
});

test("a company requiring 2FA warns during the grace period, then keeps a member without it out, and only that company", async ({ page, browser }) => {
  const dana = await danaWithTwoFactor(browser);
  await openCompanySettings(dana.page);
  const policy = dana.page.getByRole("region", { name: "Security policy" });
  await policy.getByLabel("Require 2FA").check();
  await policy.getByLabel("Grace period (days)").fill("7");
  await savePolicy(dana.page);
  await expect(policy.getByTestId("require-2fa-state")).toContainText("after the grace period");
  await expectNoViolations(dana.page);

  // The demo person, a Member of Reyes without 2FA: a banner with the days left.
  await signIn(page);
  await switchTo(page, REYES);
  const banner = page.getByTestId("two-factor-banner");
  await expect(banner).toContainText(`${REYES} requires two-factor authentication: 7 days left to set it up.`);
  await expect(page.getByRole("heading", { name: "Cases" })).toBeVisible();
  await expectNoViolations(page);

  // No grace: the open Reyes page is told live and goes to the Security tab, which says why.
  await policy.getByLabel("Grace period (days)").fill("0");
  await savePolicy(dana.page);
  await expect(page).toHaveURL(/\/settings\/security$/, { timeout: 15_000 });
  await waitForHydration(page);
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(banner).toContainText(`${REYES} requires two-factor authentication. Set it up to keep working in ${REYES}`);
  await expect(page.getByTestId("two-factor-required")).toContainText(`${REYES} requires two-factor authentication.`);
  await expect(page.getByTestId("company-policies")).toContainText("Requires two-factor authentication");
  await waitForHydration(page);
  await expectNoViolations(page);

  // Harper, which requires nothing, is open as before.
  await switchTo(page, HARPER);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Cases" })).toBeVisible();
  await expect(banner).toHaveCount(0);

  // Dana turns the requirement off again, for the suites that follow.
  await policy.getByLabel("Require 2FA").uncheck();
  await savePolicy(dana.page);
  await dana.context.close();
});
