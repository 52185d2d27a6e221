import { expect, test, type Page } from "@playwright/test";
import {
  DEMO_EMAIL,
  DEMO_PASSWORD,
  expectNoViolations,
  nextMessageTo,
  outbox,
  signIn,
  signOut,
  waitForHydration,
} from "./helpers";

async function changeEmail(page: Page, from: string, to: string) {
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await expect(page.getByTestId("current-email")).toHaveText(from);
  const seen = outbox().length;
  await page.getByLabel("New email").fill(to);
  await page.getByLabel("Current password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByTestId("pending-email")).toContainText(to);
  // Not the login yet.
  await expect(page.getByTestId("current-email")).toHaveText(from);

  const confirmation = await nextMessageTo(to, seen, "Confirm your new Kayse email address");
  expect(confirmation.subject).toBe("Confirm your new Kayse email address");
  await page.goto(confirmation.links[0]);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm email" }).click();
  await expect(page.getByRole("status")).toContainText(`Your login email is now ${to}.`);
  const notice = await nextMessageTo(from, seen, "Your Kayse login email was changed");
  expect(notice.subject).toBe("Your Kayse login email was changed");

  // The link works once.
  await page.goto(confirmation.links[0]);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm email" }).click();
  await expect(page.getByRole("alert")).toContainText("invalid, was already used, or has expired");
}

test("change the login email through the emailed link, then change it back", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);

  // The wrong password is refused next to its field.
  await page.getByLabel("New email").fill("jordan@harperlowe.example");
  await page.getByLabel("Current password").fill("wrong password");
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.locator("#email-current-password-error")).toHaveText("That password is not correct.");

  await changeEmail(page, DEMO_EMAIL, "jordan@harperlowe.example");
  await page.goto("/");
  await signOut(page);
  await signIn(page, "jordan@harperlowe.example");

  // Back to the demo address, so the demo credentials stay as printed.
  await changeEmail(page, "jordan@harperlowe.example", DEMO_EMAIL);
});

test("a pending change can be cancelled", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await page.getByLabel("New email").fill("someone-else@harperlowe.example");
  await page.getByLabel("Current password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByTestId("pending-email")).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("pending-email")).toBeHidden();
  await page.reload();
  await expect(page.getByTestId("pending-email")).toBeHidden();
});

test("the old address stops a change it did not ask for, without signing in", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  const seen = outbox().length;
  await page.getByLabel("New email").fill("intruder@elsewhere.example");
  await page.getByLabel("Current password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByTestId("pending-email")).toContainText("intruder@elsewhere.example");

  // The current address hears of it at once, with a link that needs no session.
  const notice = await nextMessageTo(DEMO_EMAIL, seen, "A change of your Kayse login email was requested");
  expect(notice.text).toContain("This wasn't me");
  // Another browser, signed in nowhere (axe needs a page of its own context).
  const context = await browser.newContext();
  const stranger = await context.newPage();
  await stranger.goto(notice.links[0]);
  await waitForHydration(stranger);
  await expect(stranger.getByRole("heading", { name: "Cancel the email change" })).toBeVisible();
  await expectNoViolations(stranger);
  await stranger.getByRole("button", { name: "Cancel the change" }).click();
  await expect(stranger.getByRole("status")).toContainText("The change was cancelled");
  // The link works once.
  await stranger.reload();
  await waitForHydration(stranger);
  await stranger.getByRole("button", { name: "Cancel the change" }).click();
  await expect(stranger.getByRole("alert")).toContainText("invalid or was already used");
  await context.close();

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("pending-email")).toBeHidden();
});
