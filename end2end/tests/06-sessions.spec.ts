import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const EDGE_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0";

async function signedInPage(browser: Browser, userAgent: string): Promise<Page> {
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  await signIn(page);
  return page;
}

async function openSessions(page: Page) {
  await page.goto("/settings/sessions");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Sessions", exact: true })).toBeVisible();
}

/** Earlier specs leave sessions behind: start from this device alone. */
async function signOutOthers(page: Page) {
  const button = page.getByRole("button", { name: "Sign out all sessions" });
  if (await button.isEnabled()) {
    await button.click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out all sessions" }).click();
    await expect(page.getByRole("dialog")).toBeHidden();
  }
  await expect(page.getByTestId("session-row")).toHaveCount(1);
}

test("see both devices and sign the other one out; its open page leaves by itself", async ({ browser }) => {
  const laptop = await signedInPage(browser, CHROME_WINDOWS);
  await openSessions(laptop);
  await signOutOthers(laptop);

  const other = await signedInPage(browser, FIREFOX_LINUX);
  await other.goto("/settings/profile");
  await waitForHydration(other);

  await laptop.reload();
  await waitForHydration(laptop);
  const rows = laptop.getByTestId("session-row");
  await expect(rows).toHaveCount(2);
  const mine = rows.filter({ hasText: "This device" });
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText("Chrome 131");
  const theirs = rows.filter({ hasText: "Firefox 133" });
  await expect(theirs).toContainText("Linux");
  await expect(theirs).not.toContainText("This device");
  await expect(theirs).toContainText("Working in Harper & Lowe LLP");

  await theirs.getByRole("button", { name: /Sign out session/ }).click();
  const dialog = laptop.getByRole("dialog");
  await expect(dialog).toContainText("Sign out this session?");
  await expect(dialog).toContainText("Firefox 133 on Linux");
  await dialog.getByRole("button", { name: "Sign out session" }).click();
  await expect(laptop.getByRole("status").filter({ hasText: "The session was signed out." })).toBeVisible();
  await expect(rows).toHaveCount(1);

  // Nobody touches the other browser: the server tells its open page.
  await expect(other).toHaveURL(/\/sign-in/, { timeout: 5_000 });
});

test("Sign out all sessions asks first, then leaves only this device", async ({ browser }) => {
  const first = await signedInPage(browser, CHROME_WINDOWS);
  await openSessions(first);
  await signOutOthers(first);
  const second = await signedInPage(browser, FIREFOX_LINUX);
  const third = await signedInPage(browser, EDGE_MAC);

  await first.reload();
  await waitForHydration(first);
  await expect(first.getByTestId("session-row")).toHaveCount(3);

  // Cancel changes nothing.
  await first.getByRole("button", { name: "Sign out all sessions" }).click();
  const dialog = first.getByRole("dialog");
  await expect(dialog).toContainText("2 other sessions will be signed out at once.");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(first.getByTestId("session-row")).toHaveCount(3);

  await first.getByRole("button", { name: "Sign out all sessions" }).click();
  await dialog.getByRole("button", { name: "Sign out all sessions" }).click();
  await expect(first.getByRole("status").filter({ hasText: "Signed out 2 other sessions." })).toBeVisible();
  await expect(first.getByTestId("session-row")).toHaveCount(1);
  await expect(first.getByRole("button", { name: "Sign out all sessions" })).toBeDisabled();

  for (const page of [second, third]) {
    await expect(page).toHaveURL(/\/sign-in/, { timeout: 5_000 });
  }
  // The current device still works.
  await first.goto("/settings/profile");
  await expect(first.getByLabel("Full name")).toBeVisible();
});
