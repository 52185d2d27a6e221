import { expect, test } from "@playwright/test";
import { expectNoViolations, signIn, waitForHydration } from "./helpers";

test("the sign-in page has no accessibility violations", async ({ page }) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await expectNoViolations(page);
});

test("the Profile tab has no accessibility violations, with the menu open too", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await expect(page.getByLabel("Full name")).toBeVisible();
  await expectNoViolations(page);
  await page.getByRole("button", { name: /Account menu for/ }).click();
  await expectNoViolations(page);
});

test("the Profile tab works on a phone-sized screen", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(375);
  await expectNoViolations(page);
});

test("the Sessions tab has no accessibility violations, with its dialog open too", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/sessions");
  await waitForHydration(page);
  await expect(page.getByTestId("session-row").first()).toBeVisible();
  await expectNoViolations(page);
  const signOutAll = page.getByRole("button", { name: "Sign out all sessions" });
  if (await signOutAll.isEnabled()) {
    await signOutAll.click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await expectNoViolations(page);
  }
});

test("the Security tab has no accessibility violations, with the password form open too", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/security");
  await waitForHydration(page);
  await expect(page.getByRole("button", { name: "Enable 2FA" })).toBeVisible();
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Change Password" }).click();
  await expect(page.getByLabel("Current password")).toBeFocused();
  await expectNoViolations(page);
});
