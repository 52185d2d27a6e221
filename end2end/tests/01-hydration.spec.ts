import { expect, test } from "@playwright/test";
import { openAvatarMenu, signIn } from "./helpers";

// First in the suite: a wasm that silently fails to hydrate renders fine but never reacts,
// and only a click that needs the wasm shows it.
test("the avatar menu opens by mouse and by keyboard", async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId("company-name")).toHaveText("Harper & Lowe LLP");

  await openAvatarMenu(page);
  const profileLink = page.getByRole("link", { name: "Profile Settings", exact: true });
  await expect(profileLink).toBeVisible();
  await expect(profileLink).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(profileLink).toBeHidden();
  const avatarButton = page.getByRole("button", { name: /Account menu for/ });
  await expect(avatarButton).toBeFocused();
  await expect(avatarButton).toHaveAttribute("aria-expanded", "false");

  // Keyboard only: Enter opens, Tab moves to "Sign out", Enter on the link navigates.
  await page.keyboard.press("Enter");
  await expect(profileLink).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Switch Company" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await expect(page.getByRole("heading", { name: "Profile Settings" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Profile" })).toHaveAttribute("aria-current", "page");
});
