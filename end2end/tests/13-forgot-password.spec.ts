import { expect, test, type Page } from "@playwright/test";
import { DEMO_EMAIL, DEMO_PASSWORD, expectNoViolations, nextMessageTo, outbox, signIn, signedInElsewhere, waitForHydration } from "./helpers";

const NEW_PASSWORD = "copper kettle meadow";

/** From the sign-in page to the emailed link's "Choose a new password" page. */
async function openResetLink(page: Page) {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await waitForHydration(page);
  const seen = outbox().length;
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByTestId("reset-link-sent")).toContainText("If an account uses that address");
  const mail = await nextMessageTo(DEMO_EMAIL, seen, "Reset your Kayse password");
  await page.goto(mail.links[0]);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await waitForHydration(page);
  return mail.links[0];
}

async function chooseNewPassword(page: Page, password: string) {
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password").fill(password);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();
}

test("forgot password: the emailed link sets a new password once and signs out other browsers", async ({ page, browser }) => {
  // Another browser, signed in before the reset, is signed out by it (live).
  const { context: other, page: otherPage } = await signedInElsewhere(browser);

  const link = await openResetLink(page);
  await expectNoViolations(page);
  // A rule is explained next to its field, and the link still works after it.
  await page.getByLabel("New password", { exact: true }).fill("password123");
  await page.getByLabel("Confirm new password").fill("password123");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#reset-new-password-error")).toContainText("too common");
  await chooseNewPassword(page, NEW_PASSWORD);
  await expect(otherPage).toHaveURL(/\/sign-in/, { timeout: 15_000 });
  await other.close();

  // The link works once.
  await page.context().clearCookies();
  await page.goto(link);
  await expect(page.getByRole("alert")).toContainText("expired or was already used");
  await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();

  // The new password signs in; then back to the demo password the other tests use.
  await signIn(page, DEMO_EMAIL, NEW_PASSWORD);
  await page.context().clearCookies();
  await openResetLink(page);
  await chooseNewPassword(page, DEMO_PASSWORD);
});

test("the forgot-password page has no accessibility violations", async ({ page }) => {
  await page.goto("/forgot-password");
  await waitForHydration(page);
  await expectNoViolations(page);
});

test("Secure my account signs out everywhere and asks for a new password before the next sign-in", async ({ page, browser }) => {
  const { context: other, page: otherPage } = await signedInElsewhere(browser);

  await signIn(page);
  await page.goto("/settings/security");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Secure my account" }).click();
  await expect(page.getByTestId("secure-account-confirm")).toContainText("Sign out everywhere and require a new password?");
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Yes, secure my account" }).click();
  await expect(page.getByTestId("account-secured")).toContainText("Your account is secured");
  await expect(otherPage).toHaveURL(/\/sign-in/, { timeout: 15_000 });
  await other.close();

  // The password alone no longer signs in.
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("This account was secured");

  // A new password by link (the demo one again, for the other tests) opens it.
  await openResetLink(page);
  await chooseNewPassword(page, DEMO_PASSWORD);
});

test("This wasn't me, from a password-change email, secures the account and signs out a second browser live", async ({ page, browser }) => {
  const { context: other, page: otherPage } = await signedInElsewhere(browser);

  await signIn(page);
  await page.goto("/settings/security");
  await waitForHydration(page);
  const seen = outbox().length;
  await page.getByRole("button", { name: "Change Password" }).click();
  await page.getByLabel("Current password").fill(DEMO_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
  await page.getByLabel("Sign out of all other devices").uncheck();
  await page.getByRole("button", { name: "Update Password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your password was changed" })).toBeVisible();

  const alert = await nextMessageTo(DEMO_EMAIL, seen, "Your Kayse password was changed");
  expect(alert.text).toContain("This wasn't me: ");
  await page.goto(alert.links[0]);
  await expect(page.getByRole("heading", { name: "Secure your account" })).toBeVisible();
  await waitForHydration(page);
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Secure my account" }).click();
  await expect(page.getByTestId("account-secured")).toContainText("Your account is secured");
  await expect(otherPage).toHaveURL(/\/sign-in/, { timeout: 15_000 });
  await other.close();

  // The link works once.
  await page.goto(alert.links[0]);
  await expect(page.getByRole("alert")).toContainText("expired or was already used");

  // Back in with a new password by link (the demo one again, for the other tests).
  await page.context().clearCookies();
  await openResetLink(page);
  await chooseNewPassword(page, DEMO_PASSWORD);
});
