// Copy buttons: <button data-copy="text">. Progressive enhancement only.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  } catch (err) {
    window.prompt("Copy this link:", button.dataset.copy);
  }
});
