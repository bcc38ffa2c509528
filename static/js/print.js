/* The receipt's print button (no inline handler: the CSP allows only our own scripts). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
