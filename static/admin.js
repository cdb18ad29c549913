// The admin status page refreshes its figures every few seconds, without inline script (CSP).
(() => {
  const live = document.getElementById("status-live");
  if (!live) return;
  const seconds = Number(live.dataset.refreshSeconds) || 5;
  const refresh = async () => {
    try {
      const response = await fetch(window.location.pathname, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("status-live");
      if (fresh) live.replaceChildren(...fresh.childNodes);
    } catch (err) {
      // Offline or the server restarting: keep the last figures, try again next time.
    }
  };
  setInterval(refresh, seconds * 1000);
})();
