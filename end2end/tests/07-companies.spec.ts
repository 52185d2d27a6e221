import { expect, test, type Page } from "@playwright/test";
import { expectNoViolations, openAvatarMenu, signIn, waitForHydration } from "./helpers";

async function switchTo(page: Page, company: string) {
  await openAvatarMenu(page);
  await page.getByRole("button", { name: "Switch Company" }).click();
  await page.getByRole("button", { name: company }).click();
  await expect(page.getByTestId("company-name")).toHaveText(company);
  await waitForHydration(page);
}

test("switch company from the avatar menu and see that company's cases", async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId("company-name")).toHaveText("Harper & Lowe LLP");
  await expect(page.getByRole("heading", { name: "Cases" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Smith v. Ridgeway Logistics" })).toBeVisible();

  await openAvatarMenu(page);
  await page.getByRole("button", { name: "Switch Company" }).click();
  await expect(page.locator("[aria-current=true]")).toContainText("Harper & Lowe LLP");
  await page.getByRole("button", { name: "Reyes Legal Group" }).click();

  await expect(page.getByTestId("company-name")).toHaveText("Reyes Legal Group");
  await expect(page.getByRole("link", { name: "Okafor v. City Transit" })).toBeVisible();
  await expect(page.getByText("Smith v. Ridgeway Logistics")).toHaveCount(0);

  // Search by number.
  await waitForHydration(page);
  await page.getByLabel("Search cases by name or number").fill("RLG-120");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("case-row")).toHaveCount(1);
  await expect(page.getByTestId("case-row")).toContainText("Martinez Divorce");

  await switchTo(page, "Harper & Lowe LLP");
});

test("a link to another company's case offers to switch there, and My tasks shows this company's tasks", async ({ page }) => {
  await signIn(page);
  await switchTo(page, "Reyes Legal Group");
  await page.getByRole("link", { name: "Okafor v. City Transit" }).click();
  await expect(page.getByRole("heading", { name: "Okafor v. City Transit" })).toBeVisible();
  const otherCompanyCase = page.url();

  // As from an email or a push: the link names a case of the firm the session is not in.
  await switchTo(page, "Harper & Lowe LLP");
  await page.goto(otherCompanyCase);
  await expect(page.getByRole("heading", { name: "This case is in another company" })).toBeVisible();
  await expect(page.getByText("Okafor v. City Transit")).toHaveCount(0);
  await expectNoViolations(page);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Switch to Reyes Legal Group" }).click();
  await expect(page.getByRole("heading", { name: "Okafor v. City Transit" })).toBeVisible();
  await expect(page.getByTestId("company-name")).toHaveText("Reyes Legal Group");
  expect(page.url()).toBe(otherCompanyCase);
  await switchTo(page, "Harper & Lowe LLP");

  // A case that exists nowhere (or in a firm the person is not in) is simply not found.
  await page.goto("/cases/987654");
  await expect(page.getByRole("heading", { name: "Case not found" })).toBeVisible();

  await page.getByRole("link", { name: "My tasks" }).click();
  await expect(page.getByRole("heading", { name: "My tasks" })).toBeVisible();
  await expect(page.getByText("File response to motion to dismiss")).toBeVisible();
  await expect(page.getByText("Request the police report")).toHaveCount(0);
  const overdue = page.getByTestId("task-row").filter({ hasText: "Prepare Ms. Garcia for her deposition" });
  await expect(overdue.getByText("Overdue")).toBeVisible();
});

test("two browsers of the same person work in two companies at once", async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
  await signIn(first);
  await signIn(second);
  await switchTo(second, "Reyes Legal Group");

  await first.reload();
  await expect(first.getByTestId("company-name")).toHaveText("Harper & Lowe LLP");
  await expect(first.getByRole("link", { name: "Smith v. Ridgeway Logistics" })).toBeVisible();
  await second.reload();
  await expect(second.getByTestId("company-name")).toHaveText("Reyes Legal Group");
  await expect(second.getByRole("link", { name: "Okafor v. City Transit" })).toBeVisible();

  await switchTo(second, "Harper & Lowe LLP");
});

test("an Admin assigns a case to a teammate, and the pages pass an accessibility scan", async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId("company-name")).toHaveText("Harper & Lowe LLP");
  const axe = () => expectNoViolations(page);
  await axe();
  await page.getByRole("link", { name: "Chen Immigration Petition" }).click();
  await waitForHydration(page);
  await expect(page.getByTestId("case-assignee")).toHaveText("Unassigned");
  await page.getByLabel("Assign to").selectOption({ label: "Priya Shah" });
  await page.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByTestId("case-assignee")).toHaveText("Priya Shah");
  await page.reload();
  await expect(page.getByTestId("case-assignee")).toHaveText("Priya Shah");
  await axe();
  await page.goto("/tasks");
  await waitForHydration(page);
  await axe();
});
