// Kayse's service worker: shows the notifications the server pushes (RFC 8030 Web Push;
// the browser has already decrypted them) and opens their case when clicked. It caches
// nothing: pages always come from the server.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (_) {
    message = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || 'Kayse', {
      body: message.body || '',
      // The same notification pushed again replaces the one shown instead of adding one.
      tag: message.tag,
      icon: '/favicon.svg',
      data: { url: message.url || '/' },
    }),
  );
});

// Only paths of this site are opened, whatever a message says.
function sameSiteUrl(path) {
  const url = new URL(path || '/', self.location.origin);
  return url.origin === self.location.origin ? url.href : self.location.origin + '/';
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = sameSiteUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const client of open) {
        if (new URL(client.url).origin === self.location.origin && 'focus' in client) {
          await client.focus();
          try {
            await client.navigate(target);
            return;
          } catch (_) {
            break; // Not controlled by this worker: open a window instead.
          }
        }
      }
      await self.clients.openWindow(target);
    })(),
  );
});

// A browser may renew a subscription (new endpoint or keys) on its own; tell the server,
// under the session signed in here, so pushes keep arriving. The old endpoint is removed
// when its push service answers 410. Same path and form as the page's server function.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const options = event.oldSubscription && event.oldSubscription.options;
      const renewed = event.newSubscription || (options ? await self.registration.pushManager.subscribe(options) : null);
      if (!renewed) return;
      await fetch('/api/push/subscription', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ subscription: JSON.stringify(renewed) }),
      });
    })(),
  );
});
