// Copy buttons: <button data-copy="text">. Progressive enhancement only.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
  } catch (err) {
    // No clipboard access (plain http, old browser): let the user copy by hand.
    window.prompt("Copy this link:", button.dataset.copy);
    return;
  }
  // Keep the first label, so a second click within the delay does not stick on "Copied".
  button.dataset.label = button.dataset.label || button.textContent;
  button.textContent = "Copied";
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
});

// Pages that follow a background job (<element data-reload-seconds="2">) reload until it is done.
const reloading = document.querySelector("[data-reload-seconds]");
if (reloading) {
  setTimeout(() => window.location.reload(), Number(reloading.dataset.reloadSeconds) * 1000);
}

// The dashboard's "All on this page": shown only where this script runs, it ticks every link's box.
const selectAll = document.querySelector("[data-select-all]");
if (selectAll) {
  const boxes = () => document.querySelectorAll("form#bulk input[name=link_id]");
  selectAll.closest("[data-select-all-label]").hidden = false;
  selectAll.addEventListener("change", () => boxes().forEach((box) => { box.checked = selectAll.checked; }));
}
