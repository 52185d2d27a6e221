import { expect, test } from "@playwright/test";
import { expectNoViolations, signIn, waitForHydration } from "./helpers";

test("switch notification preferences, reload, and find them stored", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/notifications");
  await waitForHydration(page);

  const newMessageEmail = page.getByRole("switch", { name: "New message Email" });
  const caseAssignedInApp = page.getByRole("switch", { name: "Case assigned In-app" });
  const taskDuePush = page.getByRole("switch", { name: "Task due Push" });
  // The defaults of a new person.
  await expect(newMessageEmail).not.toBeChecked();
  await expect(caseAssignedInApp).toBeChecked();
  await expect(page.getByRole("switch", { name: "Case assigned Email" })).toBeChecked();
  await expect(taskDuePush).not.toBeChecked();

  // Each change clears the status, so "Saved." after it means that change is stored.
  const saved = page.getByRole("status").filter({ hasText: "Saved." });
  await newMessageEmail.click();
  await expect(saved).toBeVisible();
  await caseAssignedInApp.click();
  await expect(saved).toBeVisible();
  // By keyboard: Space toggles a focused switch.
  await taskDuePush.focus();
  await page.keyboard.press("Space");
  await expect(taskDuePush).toBeChecked();
  await expect(saved).toBeVisible();
  await page.getByLabel("Notify me of a task due").selectOption({ label: "1 hour before" });
  await expect(saved).toBeVisible();

  await expectNoViolations(page);

  // Read everything back from the server.
  await page.reload();
  await waitForHydration(page);
  await expect(newMessageEmail).toBeChecked();
  await expect(caseAssignedInApp).not.toBeChecked();
  await expect(taskDuePush).toBeChecked();
  await expect(page.getByRole("switch", { name: "Missed call In-app" })).toBeChecked();
  await expect(page.getByLabel("Notify me of a task due")).toHaveValue("60");
});

test("turn on quiet hours and a daily digest, reload, and find them stored", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/notifications");
  await waitForHydration(page);
  const quiet = page.getByLabel("Hold email and push during quiet hours");
  const saved = page.getByRole("status").filter({ hasText: "Saved." }).last();
  await expect(page.getByLabel("From")).toBeDisabled();
  await quiet.check();
  await expect(saved).toBeVisible();
  await page.getByLabel("From").selectOption({ label: "21:00" });
  await page.getByLabel("Until").selectOption({ label: "06:30" });
  await page.getByLabel("Email digest").selectOption({ label: "Daily, at 08:00" });
  await expect(saved).toBeVisible();
  await expectNoViolations(page);

  await page.reload();
  await waitForHydration(page);
  await expect(quiet).toBeChecked();
  await expect(page.getByLabel("From")).toHaveValue(String(21 * 60));
  await expect(page.getByLabel("Until")).toHaveValue(String(6 * 60 + 30));
  await expect(page.getByLabel("Email digest")).toHaveValue("daily");

  // Back to the defaults, for the specs that follow.
  await quiet.uncheck();
  await page.getByLabel("Email digest").selectOption({ label: "Off: one email per notification" });
  await expect(saved).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await expect(quiet).not.toBeChecked();
  await expect(page.getByLabel("Email digest")).toHaveValue("off");
});
