import { expect, test } from "@playwright/test";
import * as path from "node:path";
import { signIn, waitForHydration } from "./helpers";

const fixtures = path.join(__dirname, "fixtures");

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/profile");
  await waitForHydration(page);
});

test("edit each field, save, and find it stored after a reload", async ({ page }) => {
  await page.getByLabel("Full name").fill("  Jordan Avery Lee ");
  await page.getByLabel("Phone number").fill("(415) 555-2671");
  await page.getByLabel("Timezone").selectOption("Europe/London");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  // Shown in canonical form at once.
  await expect(page.getByLabel("Phone number")).toHaveValue("+1 415-555-2671");

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel("Full name")).toHaveValue("Jordan Avery Lee");
  await expect(page.getByLabel("Phone number")).toHaveValue("+1 415-555-2671");
  await expect(page.getByLabel("Timezone")).toHaveValue("Europe/London");
  await expect(page.getByRole("button", { name: "Account menu for Jordan Avery Lee" })).toBeVisible();
});

test("errors show next to their fields and nothing is lost", async ({ page }) => {
  await page.getByLabel("Full name").fill("");
  await page.getByLabel("Phone number").fill("call me maybe");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#profile-full-name-error")).toHaveText("Enter your full name.");
  await expect(page.locator("#profile-phone-error")).toContainText("Enter a valid phone number");
  await expect(page.getByLabel("Full name")).toBeFocused();
  await expect(page.getByLabel("Phone number")).toHaveValue("call me maybe");

  // A number that passes the quick check but not the server's full parse.
  await page.getByLabel("Full name").fill("Jordan Avery Lee");
  await page.getByLabel("Phone number").fill("+1 555 0100");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#profile-phone-error")).toContainText("Enter a valid phone number");
  await expect(page.locator("#profile-full-name-error")).toBeHidden();
});

test("upload a photo, see it in the top-right avatar, keep it after a reload, then remove it", async ({ page }) => {
  await page.locator("#profile-photo").setInputFiles(path.join(fixtures, "portrait.png"));
  await expect(page.getByText("Preview: your photo is saved when you select Save.")).toBeVisible();
  await expect(page.locator(".photo-row img")).toHaveAttribute("src", /^blob:/);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();

  const topRight = page.locator(".avatar-button img");
  await expect(topRight).toHaveAttribute("src", /^\/avatars\/[0-9a-f]{64}\.jpg$/);
  await expect.poll(() => topRight.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);

  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(".avatar-button img")).toHaveAttribute("src", /^\/avatars\//);

  await page.getByRole("button", { name: "Remove photo" }).click();
  await expect(page.getByText("Your photo will be removed when you select Save.")).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  await expect(page.locator(".avatar-button .initials")).toHaveText("JL");
});

test("a file that only pretends to be an image is refused by the server", async ({ page }) => {
  await page.locator("#profile-photo").setInputFiles({
    name: "innocent.png",
    mimeType: "image/png",
    buffer: Buffer.from("<!DOCTYPE html><script>alert(1)</script>"),
  });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#profile-photo-error")).toHaveText("Choose a PNG, JPEG or WebP image.");
  await expect(page.locator(".avatar-button .initials")).toBeVisible();
});
