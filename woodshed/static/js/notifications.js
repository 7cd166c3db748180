// The bell's unread count, kept fresh by polling a small JSON endpoint while the page is
// visible. Without JavaScript the bell is a plain link to the notifications page.
const bell = document.querySelector("[data-notifications-poll]");
const INTERVAL_MS = 60_000;

async function refresh() {
  if (!bell || document.hidden) return;
  try {
    const response = await fetch(bell.dataset.notificationsPoll, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const { unread } = await response.json();
    const badge = bell.querySelector("[data-bell-count]");
    badge.textContent = String(unread);
    badge.hidden = unread === 0;
    bell.setAttribute("aria-label", `Notifications: ${unread} unread`);
  } catch {
    // Offline or the server is restarting: try again on the next tick.
  }
}

if (bell) {
  setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", refresh);
}
