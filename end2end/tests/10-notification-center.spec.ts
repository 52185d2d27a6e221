import { expect, test, type Page } from "@playwright/test";
import { expectNoViolations, signIn, waitForHydration } from "./helpers";

/** The bell's unread count (0 when no badge shows). */
async function unread(page: Page): Promise<number> {
  const badge = page.getByTestId("notification-count");
  if ((await badge.count()) === 0) return 0;
  return parseInt((await badge.textContent()) ?? "0", 10);
}

async function expectUnread(page: Page, count: number) {
  if (count === 0) {
    await expect(page.getByTestId("notification-count")).toHaveCount(0);
  } else {
    await expect(page.getByTestId("notification-count")).toHaveText(`${count} unread`);
  }
}

test("an Admin creates an API token; a reported message rings the bell live; open it, land on the case, mark all read", async ({ page, request }) => {
  await signIn(page);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Company settings" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Token name").fill("Front desk phones");
  await page.getByRole("button", { name: "Create token" }).click();
  const tokenText = page.getByTestId("new-api-token");
  await expect(tokenText).toBeVisible();
  const token = ((await tokenText.textContent()) ?? "").trim();
  expect(token).toMatch(/^kayse_[0-9a-f]{64}$/);
  await expect(page.getByTestId("api-token-row").filter({ hasText: "Front desk phones" })).toBeVisible();
  await expectNoViolations(page);

  // Back to the cases, with the page left open: nothing reloads from here on.
  await page.getByRole("link", { name: "Cases" }).click();
  await expect(page.getByRole("heading", { name: "Cases" })).toBeVisible();
  const before = await unread(page);

  const reply = await request.post("/integrations/v1/messages", {
    headers: { Authorization: `Bearer ${token}` },
    data: { case: "HL-2026-014", from: "Maria Smith", text: "This is unacceptable. I am furious that nobody has called me back. Terrible service." },
  });
  expect(reply.status()).toBe(201);
  expect((await reply.json()).negative_sentiment).toBe(true);
  // A new message and a negative sentiment, both on the demo person's case.
  await expectUnread(page, before + 2);

  const refused = await request.post("/integrations/v1/messages", {
    headers: { Authorization: "Bearer kayse_wrong" },
    data: { case: "HL-2026-014", from: "Maria Smith", text: "Hello" },
  });
  expect(refused.status()).toBe(401);

  await page.getByRole("button", { name: /^Notifications/ }).click();
  const panel = page.getByRole("region", { name: "Notifications" });
  await expect(panel).toBeVisible();
  const newest = panel.getByRole("listitem").first();
  await expect(newest).toContainText("Negative sentiment");
  await expect(newest).toContainText("I am furious");
  await expect(newest).toContainText("just now");
  await expectNoViolations(page);
  await newest.getByRole("link").click();
  await expect(page).toHaveURL(/\/cases\/\d+$/);
  await expect(page.getByRole("heading", { name: "Smith v. Ridgeway Logistics" })).toBeVisible();
  await expectUnread(page, before + 1);

  await page.getByRole("button", { name: /^Notifications/ }).click();
  await panel.getByRole("button", { name: "Mark all as read" }).click();
  await expectUnread(page, 0);
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
  await expect(page.getByRole("button", { name: /^Notifications/ })).toBeFocused();

  // Revoke the token again: the API refuses it at once.
  await page.goto("/company");
  await waitForHydration(page);
  const row = page.getByTestId("api-token-row").filter({ hasText: "Front desk phones" });
  await row.getByRole("button", { name: "Revoke Front desk phones" }).click();
  await row.getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toHaveCount(0);
  const afterRevoke = await request.post("/integrations/v1/messages", {
    headers: { Authorization: `Bearer ${token}` },
    data: { case: "HL-2026-014", from: "Maria Smith", text: "Hello" },
  });
  expect(afterRevoke.status()).toBe(401);
});
