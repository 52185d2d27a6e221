import { expect, test, type Page } from "@playwright/test";
import { DEMO_EMAIL, expectNoViolations, outbox, signIn, waitForHydration } from "./helpers";

const HARPER = "Harper & Lowe LLP";

/** A new integrations token, made through Company settings as an Admin would. */
async function apiToken(page: Page, name: string): Promise<string> {
  await page.goto("/company");
  await waitForHydration(page);
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const tokenText = page.getByTestId("new-api-token");
  await expect(tokenText).toBeVisible();
  return ((await tokenText.textContent()) ?? "").trim();
}

async function openNotificationsTab(page: Page) {
  await page.goto("/settings/notifications");
  await waitForHydration(page);
}

const saved = (page: Page, region: string) =>
  page.getByRole("region", { name: region }).getByRole("status").filter({ hasText: "Saved." });

test("the eleven events in three groups: switches saved, read back after a reload", async ({ page }) => {
  await signIn(page);
  await openNotificationsTab(page);
  await expect(page.getByTestId("preference-row")).toHaveCount(11);
  for (const group of ["Messages and calls", "Cases and tasks", "Clients"]) {
    await expect(page.getByRole("rowheader", { name: group })).toBeVisible();
  }
  const documentEmail = page.getByRole("switch", { name: "Document uploaded Email" });
  const campaignInApp = page.getByRole("switch", { name: "Campaign update In-app" });
  await expect(documentEmail).not.toBeChecked();
  await expect(campaignInApp).toBeChecked();
  await documentEmail.click();
  await expect(saved(page, "Notifications")).toBeVisible();
  await campaignInApp.focus();
  await page.keyboard.press("Space");
  await expect(saved(page, "Notifications")).toBeVisible();
  await expectNoViolations(page);

  await page.reload();
  await waitForHydration(page);
  await expect(documentEmail).toBeChecked();
  await expect(campaignInApp).not.toBeChecked();
  await expect(page.getByRole("switch", { name: "Task completed In-app" })).toBeChecked();
});

test("a firm's own settings with a filter that drops an event, then back to the defaults", async ({ page, request }) => {
  await signIn(page);
  const token = await apiToken(page, "Document system");
  await openNotificationsTab(page);
  const shown = page.getByTestId("settings-shown");
  await expect(shown).toContainText("your default settings");
  await page.getByRole("button", { name: `Customize for ${HARPER}` }).click();
  await expect(shown).toContainText(`${HARPER}'s own settings`);
  await waitForHydration(page);

  // Every case of the firm, but High and Urgent only.
  const filters = page.getByRole("region", { name: "Filters" });
  await filters.getByLabel("Only cases assigned to me").uncheck();
  await expect(saved(page, "Filters")).toBeVisible();
  await filters.getByLabel("High and Urgent only").check();
  await expect(saved(page, "Filters")).toBeVisible();
  await expectNoViolations(page);

  // A document on Priya's Normal case reaches Priya only; on the demo person's High case,
  // the demo person too.
  const report = (caseNumber: string) =>
    request.post("/integrations/v1/documents", {
      headers: { Authorization: `Bearer ${token}` },
      data: { case: caseNumber, name: "Engagement letter.pdf", uploaded_by: "Front desk" },
    });
  const dropped = await report("HL-2026-021");
  expect(dropped.status()).toBe(201);
  expect((await dropped.json()).notifications).toBe(1);
  const kept = await report("HL-2026-014");
  expect((await kept.json()).notifications).toBe(1);

  // The filters stay after a reload, in the firm's settings.
  await page.reload();
  await waitForHydration(page);
  await expect(shown).toContainText(`${HARPER}'s own settings`);
  await expect(filters.getByLabel("High and Urgent only")).toBeChecked();

  // Back to the defaults, asked first.
  await page.getByRole("button", { name: `Use my default settings in ${HARPER}` }).click();
  await page.getByRole("button", { name: "Use my default settings", exact: true }).click();
  await expect(shown).toContainText("your default settings");
  await expect(page.getByRole("region", { name: "Filters" }).getByLabel("High and Urgent only")).not.toBeChecked();
  await expectNoViolations(page);
});

test("Send a test notification reaches the outbox, and its unsubscribe link turns the email off without signing in", async ({ page, browser }) => {
  await signIn(page);
  await openNotificationsTab(page);
  const test_ = page.getByRole("region", { name: "Send a test notification" });
  await test_.getByLabel("Event").selectOption({ label: "Negative sentiment" });
  const seen = outbox().length;
  await test_.getByRole("button", { name: "Send a test notification: Email" }).click();
  await expect(test_.getByRole("status")).toContainText(`Sent to ${DEMO_EMAIL}`);
  await expectNoViolations(page);
  // Other emails of the earlier tests may still be on their way: wait for this one.
  let mail: ReturnType<typeof outbox>[number] | undefined;
  await expect
    .poll(() => {
      mail = outbox()
        .slice(seen)
        .find((m) => m.to === DEMO_EMAIL && m.subject.startsWith("Test: Negative sentiment on "));
      return mail !== undefined;
    })
    .toBe(true);
  expect(mail!.list_unsubscribe).toContain("/unsubscribe?link=");
  // Too soon for another email test.
  await test_.getByRole("button", { name: "Send a test notification: Email" }).click();
  await expect(test_.getByRole("alert")).toContainText("Try again in");

  // The link, opened in a browser that is not signed in.
  const context = await browser.newContext();
  const stranger = await context.newPage();
  await stranger.goto(mail!.list_unsubscribe!);
  await waitForHydration(stranger);
  await expect(stranger.getByText("Turn off “Negative sentiment” emails in your default settings?")).toBeVisible();
  await expectNoViolations(stranger);
  await stranger.getByRole("button", { name: "Turn off these emails" }).click();
  await expect(stranger.getByTestId("unsubscribed")).toHaveText("Done: “Negative sentiment” emails are off in your default settings.");
  await context.close();

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole("switch", { name: "Negative sentiment Email" })).not.toBeChecked();
  await page.getByRole("switch", { name: "Negative sentiment Email" }).click();
  await expect(saved(page, "Notifications")).toBeVisible();
});

test("an urgent alert opened from the bell is acknowledged, and the case says who saw it", async ({ page, request }) => {
  await signIn(page);
  await page.goto("/company");
  await waitForHydration(page);
  const alerts = page.getByRole("region", { name: "Urgent alerts" });
  await alerts.getByLabel("Negative sentiment").check();
  await alerts.getByLabel("Escalate when unseen after").selectOption({ label: "5 minutes" });
  await alerts.getByRole("button", { name: "Save urgent alerts" }).click();
  await expect(alerts.getByRole("status")).toHaveText("Urgent alerts were saved.");
  await expectNoViolations(page);
  const token = await apiToken(page, "Phones for alerts");

  const reply = await request.post("/integrations/v1/messages", {
    headers: { Authorization: `Bearer ${token}` },
    data: { case: "HL-2025-188", from: "Ana Garcia", text: "This is terrible. I am furious and very disappointed with your firm." },
  });
  expect((await reply.json()).negative_sentiment).toBe(true);
  await page.goto("/");
  await waitForHydration(page);
  await page.getByRole("button", { name: /^Notifications/ }).click();
  const panel = page.getByRole("region", { name: "Notifications" });
  await panel.getByLabel("Show notifications of").selectOption({ label: "Negative sentiment" });
  const item = panel.getByRole("listitem").first();
  await expect(item).toContainText("Ana Garcia wrote");
  await expectNoViolations(page);
  await item.getByRole("link").click();
  await expect(page).toHaveURL(/\/cases\/\d+$/);
  await waitForHydration(page);
  const seenBy = page.getByTestId("case-alert").first();
  await expect(seenBy).toContainText("Negative sentiment");
  await expect(seenBy).toContainText("Seen by Jordan Avery Lee at");
  await expectNoViolations(page);

  // An Admin edits the case's priority; Mark done on its task.
  const details = page.getByRole("form", { name: "Case details" });
  await details.getByLabel("Priority").selectOption({ label: "Low" });
  await details.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("case-priority")).toHaveText("Low");
  const task = page.getByTestId("task-row").first();
  const title = (await task.locator("strong").textContent()) ?? "";
  await task.getByRole("button", { name: `Mark done: ${title}` }).click();
  await expect(page.getByTestId("task-row").filter({ hasText: title })).toHaveCount(0);

  // The alert setting back off, for whoever runs next.
  await page.goto("/company");
  await waitForHydration(page);
  await alerts.getByLabel("Negative sentiment").uncheck();
  await alerts.getByRole("button", { name: "Save urgent alerts" }).click();
  await expect(alerts.getByRole("status")).toHaveText("Urgent alerts were saved.");
});
