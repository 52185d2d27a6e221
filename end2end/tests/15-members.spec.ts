import { expect, test } from "@playwright/test";
import { expectNoViolations, signIn, waitForHydration } from "./helpers";

test("an Admin sees the company's members, changes a role, signs a member out everywhere and removes one, each asked first", async ({ page }) => {
  await signIn(page);
  await page.goto("/company");
  await waitForHydration(page);
  const members = page.getByRole("region", { name: "Members", exact: true });
  const me = members.getByTestId("member").filter({ hasText: "You" });
  await expect(me).toContainText("Admin");
  await expect(me).toContainText(/\d+ open sessions?/);
  const priya = members.getByTestId("member").filter({ hasText: "Priya Shah" });
  await expect(priya).toContainText("Member");
  await expect(priya).toContainText("Never signed in");
  await expect(priya).toContainText("2FA: Off");
  await expectNoViolations(page);

  // Make Admin, asked first; then back to Member.
  await priya.getByRole("button", { name: "Make Admin: Priya Shah" }).click();
  await expect(priya).toContainText("Make Priya Shah an Admin?");
  await expectNoViolations(page);
  await priya.getByRole("button", { name: "Yes, make Admin" }).click();
  await expect(members.getByRole("status")).toHaveText("The role was changed.");
  await expect(priya.locator(".badge.on")).toHaveText("Admin");
  await priya.getByRole("button", { name: "Make Member: Priya Shah" }).click();
  await priya.getByRole("button", { name: "Yes, make Member" }).click();
  await expect(priya.locator(".badge.on")).toHaveCount(0);

  // "Sign out everywhere" asks first; Priya has no session, so none ends.
  await priya.getByRole("button", { name: "Sign out everywhere: Priya Shah" }).click();
  await priya.getByRole("button", { name: "Sign out everywhere", exact: true }).click();
  await expect(members.getByRole("status")).toHaveText("Signed out of 0 sessions.");

  // Resetting someone's 2FA needs the Admin's own first.
  await expect(members).toContainText("To reset a member's 2FA, first turn on two-factor authentication");

  // "Remove from company", asked first.
  const marcus = members.getByTestId("member").filter({ hasText: "Marcus Lee" });
  await marcus.getByRole("button", { name: "Remove from company: Marcus Lee" }).click();
  await expect(marcus).toContainText("Remove Marcus Lee from the company?");
  await expectNoViolations(page);
  await marcus.getByRole("button", { name: "Remove from company", exact: true }).click();
  await expect(members.getByRole("status")).toHaveText("The member was removed from the company.");
  await expect(members.getByTestId("member").filter({ hasText: "Marcus Lee" })).toHaveCount(0);
});
