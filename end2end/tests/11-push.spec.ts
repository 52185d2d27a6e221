import { expect, test } from "@playwright/test";
import { BASE_URL } from "../playwright.config";
import { expectNoViolations, signIn, waitForHydration } from "./helpers";

test.describe.configure({ mode: "serial" });

test("Enable push on this device says clearly when the browser cannot reach its push service", async ({ page, context }) => {
  await context.grantPermissions(["notifications"], { origin: BASE_URL });
  await signIn(page);
  await page.goto("/settings/notifications");
  await waitForHydration(page);
  const push = page.getByTestId("push-devices");
  await expect(push.getByText("No devices yet.")).toBeVisible();
  const enable = push.getByRole("button", { name: "Enable push on this device" });

  // Real Chromium, real service worker, real PushManager.subscribe: this machine has no
  // route to the browser vendor's push service, so subscribing fails (headless Chromium
  // answers "Registration failed - permission denied").
  await enable.click();
  await expect(push.getByRole("alert")).toContainText("This browser could not register with its push service, so push is not on for this device.", {
    timeout: 40_000,
  });
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
  expect(scope).toBe(`${BASE_URL}/`);

  // Nothing stored, nothing stuck: the button works again and the rest of the tab saves.
  await expect(enable).toBeEnabled();
  await expect(push.getByText("No devices yet.")).toBeVisible();
  const missedCallPush = page.getByRole("switch", { name: "Missed call Push" });
  await missedCallPush.click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." }).first()).toBeVisible();
  await missedCallPush.click();
  await expect(missedCallPush).not.toBeChecked();
  await expectNoViolations(page);
});

test("the service worker shows a pushed notification with its case link", async ({ page, context }) => {
  await context.grantPermissions(["notifications"], { origin: BASE_URL });
  await signIn(page);
  await page.goto("/settings/notifications");
  await waitForHydration(page);
  // Each test has its own browser context: register the worker here and wait until active.
  await page.evaluate(async () => {
    await navigator.serviceWorker.register("/sw.js");
    await navigator.serviceWorker.ready;
  });
  // DevTools' "Push" button: hands the worker a push event with this (already decrypted)
  // data, as the browser does after decrypting what the push service delivered.
  const cdp = await context.newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => r.scopeURL === `${BASE_URL}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  const message = {
    title: "New message: HL-2026-014 · Smith v. Ridgeway Logistics",
    body: "Harper & Lowe LLP: Can we move Thursday's meeting?",
    url: "/cases/1",
    tag: "kayse-notification-42",
  };
  const push = { origin: BASE_URL, registrationId: await registrationId, data: JSON.stringify(message) };
  const shownNotifications = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      const list = await registration.getNotifications();
      return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
    });
  // A worker that is still starting can miss the first event: deliver again until shown
  // (the tag makes a repeat replace the notification, never add a second).
  await expect
    .poll(
      async () => {
        const shown = await shownNotifications();
        if (shown.length === 0) await cdp.send("ServiceWorker.deliverPushMessage", push);
        return shown;
      },
      { timeout: 20_000 },
    )
    .toEqual([{ title: message.title, body: message.body, tag: message.tag, url: message.url }]);
});

test("a device with push is listed as this device and removed after confirmation", async ({ page, context }) => {
  await context.grantPermissions(["notifications"], { origin: BASE_URL });
  // Stands in for the vendor's push service (unreachable here): subscribe() answers with a
  // subscription whose keys are a real P-256 key pair made by WebCrypto, as a browser's are.
  await page.addInitScript(() => {
    const b64url = (bytes: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    PushManager.prototype.subscribe = async function () {
      const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
      const p256dh = b64url(await crypto.subtle.exportKey("raw", pair.publicKey));
      const auth = b64url(crypto.getRandomValues(new Uint8Array(16)).buffer);
      const json = { endpoint: "https://fcm.googleapis.com/fcm/send/e2e-device", expirationTime: null, keys: { p256dh, auth } };
      return { endpoint: json.endpoint, toJSON: () => json, unsubscribe: async () => true } as unknown as PushSubscription;
    };
  });
  await signIn(page);
  await page.goto("/settings/notifications");
  await waitForHydration(page);
  const push = page.getByTestId("push-devices");

  await push.getByRole("button", { name: "Enable push on this device" }).click();
  await expect(push.getByRole("status")).toHaveText("Push is on for this device.");
  await expect(page.getByRole("heading", { name: "Push notifications" })).toBeFocused();
  const row = push.getByTestId("push-device-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(/Chrom\w* \d+ on Linux/);
  await expect(row).toContainText("This device");
  await expect(push.getByRole("button", { name: "Enable push on this device" })).toHaveCount(0);
  await expectNoViolations(page);

  // "Send test" really sends: here the (stand-in) push service's host cannot be reached,
  // and the page says so; a second try at once is limited.
  await row.getByRole("button", { name: /^Send test to / }).click();
  await expect(push.getByRole("alert")).toHaveText("The push service did not take it right now. Try again in a minute.", { timeout: 40_000 });
  await row.getByRole("button", { name: /^Send test to / }).click();
  await expect(push.getByRole("alert")).toContainText("Too many attempts. Try again in");

  // Stored on the server: still there after a reload.
  await page.reload();
  await waitForHydration(page);
  await expect(row).toContainText("This device");

  // Removing asks first; Cancel keeps it.
  await row.getByRole("button", { name: /^Remove / }).click();
  await expect(row).toContainText("Stop push notifications on");
  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: /^Remove / }).click();
  await row.getByRole("button", { name: "Remove device" }).click();
  await expect(push.getByRole("status")).toContainText("no longer gets push notifications.");
  await expect(push.getByTestId("push-device-row")).toHaveCount(0);
  await expect(push.getByText("No devices yet.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Push notifications" })).toBeFocused();

  await page.reload();
  await waitForHydration(page);
  await expect(push.getByText("No devices yet.")).toBeVisible();
  await expect(push.getByRole("button", { name: "Enable push on this device" })).toBeVisible();
});
