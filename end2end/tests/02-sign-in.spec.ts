import { expect, test } from "@playwright/test";
import { DEMO_EMAIL, DEMO_PASSWORD, expectNoViolations, signIn, signOut, waitForHydration } from "./helpers";

test("wrong credentials get one message that names neither part", async ({ page }) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("signing out ends the session and the settings need sign-in again", async ({ page, context }) => {
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/sign-in\?next=\/settings\/profile/);

  await signIn(page);
  await page.goto("/settings/profile");
  await expect(page.getByLabel("Full name")).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === "kayse_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");

  await signOut(page);
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/sign-in/);

  // The old cookie, put back by hand, is refused by the server too.
  await context.addCookies([cookie!]);
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("after sign-in the visitor lands where they were going", async ({ page }) => {
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
});

test("failed attempts since the last visit are said after signing in, until dismissed", async ({ page }) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");

  await signIn(page);
  const notice = page.getByTestId("sign-in-notice");
  await expect(notice).toContainText(/1 failed sign-in attempt since your last visit, the latest on .* from 127\.0\.0\.1\./);
  await expect(notice.getByRole("link", { name: "Review recent security activity" })).toHaveAttribute(
    "href",
    "/settings/security#activity-heading",
  );
  await expectNoViolations(page);
  await waitForHydration(page);
  await notice.getByRole("button", { name: "Dismiss" }).click();
  await expect(notice).toHaveCount(0);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole("button", { name: /Account menu for/ })).toBeVisible();
  await expect(page.getByTestId("sign-in-notice")).toHaveCount(0);
});
