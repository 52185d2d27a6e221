import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, appCode, expectNoViolations, passwordStep, signIn, signOut, waitForHydration } from "./helpers";

// Chromium's virtual authenticator (DevTools protocol) stands in for Touch ID or Windows
// Hello: a platform authenticator that keeps discoverable credentials and verifies the user.
test.describe.configure({ mode: "serial" });

async function addVirtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

async function openSecurity(page: Page) {
  await page.goto("/settings/security");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Passkeys" })).toBeVisible();
}

test("add a passkey, sign in with it without a password, and use it as the second step", async ({ page }) => {
  await addVirtualAuthenticator(page);
  await signIn(page);
  await openSecurity(page);
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  await expect(passkeys).toContainText("No passkeys yet.");

  // "Add a passkey": the password, the browser's prompt (answered by the virtual
  // authenticator), then a name.
  await passkeys.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeys.getByLabel("Your password")).toBeFocused();
  await passkeys.getByLabel("Your password").fill("not-my-password");
  await passkeys.getByRole("button", { name: "Continue" }).click();
  await expect(passkeys.getByText("That password is not correct.")).toBeVisible();
  await passkeys.getByLabel("Your password").fill(DEMO_PASSWORD);
  await passkeys.getByRole("button", { name: "Continue" }).click();
  const name = passkeys.getByLabel("Name this passkey");
  await expect(name).toBeFocused();
  await expect(name).toHaveValue(/ on /);
  await expectNoViolations(page);
  await name.fill("Test laptop");
  await passkeys.getByRole("button", { name: "Save passkey" }).click();
  await expect(passkeys.getByTestId("passkey")).toContainText("Test laptop");
  await expect(passkeys.getByTestId("passkey")).toContainText("Never used");
  await expect(page.getByTestId("security-activity")).toContainText("Passkey added");
  await expectNoViolations(page);

  // "Rename".
  await passkeys.getByRole("button", { name: "Rename Test laptop" }).click();
  await passkeys.getByLabel("New name").fill("Work laptop");
  await passkeys.getByRole("button", { name: "Save" }).click();
  await expect(passkeys.getByTestId("passkey")).toContainText("Work laptop");

  // "Sign in with a passkey": no email, no password.
  await signOut(page);
  await waitForHydration(page);
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();
  await openSecurity(page);
  await expect(passkeys.getByTestId("passkey")).toContainText("Last used");

  // With 2FA on, a passkey also answers the second step.
  await page.getByRole("button", { name: "Enable 2FA" }).click();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
  await page.getByLabel("Verification code").fill(appCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("backup-codes").getByRole("listitem")).toHaveCount(10);
  const codes = (await page.getByTestId("backup-codes").getByRole("listitem").allTextContents()).map((c) => c.trim());
  await page.getByLabel("I have saved my backup codes").check();
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("button", { name: "Not now" }).click();
  await signOut(page);
  await passwordStep(page);
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();

  // Put the account back: 2FA off, the passkey removed (its password asked first).
  await openSecurity(page);
  await page.getByRole("button", { name: "Disable 2FA" }).click();
  // What becomes of the passkeys is said before 2FA goes.
  await expect(page.getByText("Your passkeys stay: they still sign you in on their own")).toBeVisible();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByLabel("Code from your app, or a backup code").fill(codes[0]);
  await page.getByRole("button", { name: "Disable 2FA" }).click();
  await expect(page.getByTestId("two-factor-state")).toContainText("Off");
  await page.getByRole("button", { name: "Not now" }).click();
  await expect(page.getByTestId("passkeys-explained")).toContainText("Two-factor authentication is off");
  await passkeys.getByRole("button", { name: "Remove Work laptop" }).click();
  await passkeys.getByLabel("Your password").fill(DEMO_PASSWORD);
  await expectNoViolations(page);
  await passkeys.getByRole("button", { name: "Remove passkey" }).click();
  await expect(passkeys).toContainText("No passkeys yet.");
});
