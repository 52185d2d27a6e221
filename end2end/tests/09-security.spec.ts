import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import { DEMO_EMAIL, DEMO_PASSWORD, appCode, expectNoViolations, passwordStep, signIn, signOut, waitForHydration } from "./helpers";

// These tests change the demo account (its password, then 2FA) and put it back as it was,
// so they run in order.
test.describe.configure({ mode: "serial" });

const NEW_PASSWORD = "gravel lantern otter 77";

async function openSecurity(page: Page) {
  await page.goto("/settings/security");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
}

async function changePassword(page: Page, from: string, to: string) {
  await page.getByRole("button", { name: "Change Password" }).click();
  await page.getByLabel("Current password").fill(from);
  await page.getByLabel("New password", { exact: true }).fill(to);
  await page.getByLabel("Confirm new password").fill(to);
  await page.getByRole("button", { name: "Update Password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your password was changed" })).toBeVisible();
}

test("change the password: rules are explained, the old one stops working and other browsers are signed out", async ({ browser }) => {
  const mine = await (await browser.newContext()).newPage();
  const other = await (await browser.newContext()).newPage();
  await signIn(mine);
  await signIn(other);
  await other.goto("/settings/profile");
  await waitForHydration(other);

  await openSecurity(mine);
  await mine.getByRole("button", { name: "Change Password" }).click();
  await mine.getByLabel("Current password").fill(DEMO_PASSWORD);
  const newField = mine.getByLabel("New password", { exact: true });
  await newField.fill("password123");
  await expect(mine.getByText(/^Fair\.|^Weak\./)).toBeVisible();
  await mine.getByLabel("Confirm new password").fill("password123");
  await mine.getByRole("button", { name: "Update Password" }).click();
  await expect(mine.getByText("This password is too common")).toBeVisible();
  await expect(newField).toBeFocused();
  await expect(newField).toHaveAttribute("aria-invalid", "true");

  await newField.fill(NEW_PASSWORD);
  await expect(mine.getByText(/^Strong\./)).toBeVisible();
  await mine.getByLabel("Confirm new password").fill(NEW_PASSWORD);
  await expect(mine.getByLabel("Sign out of all other devices")).toBeChecked();
  await mine.getByRole("button", { name: "Update Password" }).click();
  await expect(mine.getByRole("status").filter({ hasText: "Your password was changed" })).toBeVisible();
  await expect(mine.getByRole("status").filter({ hasText: "signed out" })).toBeVisible();

  // The other browser is sent to the sign-in page by itself.
  await expect(other).toHaveURL(/\/sign-in/, { timeout: 10_000 });
  await waitForHydration(other);
  await other.getByLabel("Email").fill(DEMO_EMAIL);
  await other.getByLabel("Password").fill(DEMO_PASSWORD);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await other.getByLabel("Password").fill(NEW_PASSWORD);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // This browser stayed signed in (under a fresh token); put the password back.
  await openSecurity(mine);
  await changePassword(mine, NEW_PASSWORD, DEMO_PASSWORD);
  await expect(mine.getByTestId("security-activity")).toContainText("Password changed");
  await mine.context().close();
  await other.context().close();
});

test("turn on 2FA, sign in with a code and with a backup code, never the same backup code twice, and remember a device", async ({ page }) => {
  await signIn(page);
  await openSecurity(page);
  await expect(page.getByTestId("two-factor-state")).toContainText("Off");
  // A second browser, signed in meanwhile: offered to be signed out once 2FA is on.
  const elsewhere = await page.context().browser()!.newContext();
  const other = await elsewhere.newPage();
  await signIn(other);
  await page.getByRole("button", { name: "Enable 2FA" }).click();
  // The password is asked every time, even right after signing in.
  await expect(page.getByLabel("Your password")).toBeFocused();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Your password").fill("not-my-password");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByText("That password is not correct.")).toBeVisible();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();

  // The secret as text, read the way someone without a camera would.
  const secretText = page.getByTestId("totp-secret");
  await expect(secretText).toBeVisible();
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = ((await secretText.textContent()) ?? "").replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByLabel("Verification code")).toBeFocused();
  await expectNoViolations(page);

  await page.getByLabel("Verification code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not correct")).toBeVisible();
  await page.getByLabel("Verification code").fill(appCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();

  // The backup codes, shown once; 2FA is already on while they are on screen.
  const panel = page.getByTestId("backup-codes");
  await expect(panel).toBeVisible();
  await expect(page.getByTestId("two-factor-state")).toContainText("On");
  await expect(page.getByTestId("backup-codes-left")).toContainText("10 of 10");
  await expect(panel).toContainText("They are the way back into your account if you lose your authenticator app");
  const codes = (await panel.getByRole("listitem").allTextContents()).map((c) => c.trim());
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  const downloadPromise = page.waitForEvent("download");
  await panel.getByRole("link", { name: "Download" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("kayse-backup-codes.txt");
  const saved = fs.readFileSync(await download.path(), "utf8");
  for (const code of codes) expect(saved).toContain(code);
  await expectNoViolations(page);
  const done = page.getByRole("button", { name: "Done" });
  await expect(done).toBeDisabled();
  await page.getByLabel("I have saved my backup codes").check();
  await done.click();
  await expect(page.getByTestId("two-factor-state")).toContainText("On");
  await expect(page.getByTestId("backup-codes-left")).toContainText("10 of 10");

  // Then: sign out every other device, in one click.
  const offer = page.getByTestId("sign-out-offer");
  await expect(offer).toContainText("Two-factor authentication is on.");
  await expectNoViolations(page);
  await offer.getByRole("button", { name: "Sign out other devices" }).click();
  await expect(offer.getByRole("status")).toContainText(/Signed out of \d+ other devices?\./);
  await offer.getByRole("button", { name: "Done" }).click();
  await expect(offer).toBeHidden();
  await other.goto("/settings/profile");
  await expect(other).toHaveURL(/\/sign-in/);
  await elsewhere.close();

  // Signing in now takes a code from the app (the next one: this one was just used).
  await signOut(page);
  await passwordStep(page);
  await expectNoViolations(page);
  await page.getByLabel("Authentication code").fill(appCode(secret, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // Or a backup code, which says how many are left.
  await signOut(page);
  await passwordStep(page);
  await page.getByRole("button", { name: "Use a backup code instead" }).click();
  await page.getByLabel("Backup code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("You have 9 backup codes left.")).toBeVisible();
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // The same backup code does not work twice.
  await signOut(page);
  await passwordStep(page);
  await page.getByRole("button", { name: "Use a backup code instead" }).click();
  await page.getByLabel("Backup code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert")).toContainText("That code is not correct");
  await page.getByLabel("Backup code").fill(codes[1]);
  // This time the browser is remembered.
  await page.getByLabel("Remember this device for 30 days").check();
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("You have 8 backup codes left.")).toBeVisible();
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // So the next sign-in here takes the password alone, and the Security tab lists it.
  await signOut(page);
  await signIn(page);
  await openSecurity(page);
  const remembered = page.getByTestId("remembered-device");
  await expect(remembered).toHaveCount(1);
  await expect(remembered).toContainText("This device");
  await expect(page.getByTestId("security-activity")).toContainText("Device remembered for 30 days");
  await expectNoViolations(page);
  // "Forget all" asks first; then the code is asked again.
  await page.getByRole("button", { name: "Forget all remembered devices" }).click();
  await expect(page.getByText("Forget every remembered device?")).toBeVisible();
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Yes, forget all" }).click();
  await expect(page.getByText("No remembered devices.")).toBeVisible();
  await signOut(page);
  await passwordStep(page);
  await page.getByRole("button", { name: "Use a backup code instead" }).click();
  await page.getByLabel("Backup code").fill(codes[2]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("You have 7 backup codes left.")).toBeVisible();
  await page.getByRole("link", { name: "Continue" }).click();

  // Turn 2FA off again (password and a backup code), leaving the account as it was.
  await openSecurity(page);
  await expect(page.getByTestId("backup-codes-left")).toContainText("7 of 10");
  await page.getByRole("button", { name: "Disable 2FA" }).click();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByLabel("Code from your app, or a backup code").fill(codes[3]);
  await page.getByRole("button", { name: "Disable 2FA" }).click();
  await expect(page.getByTestId("two-factor-state")).toContainText("Off");
  await expect(page.getByTestId("sign-out-offer")).toContainText("Two-factor authentication is off.");
  await page.getByRole("button", { name: "Not now" }).click();
  await expect(page.getByTestId("security-activity")).toContainText("Two-factor authentication turned off");
});
