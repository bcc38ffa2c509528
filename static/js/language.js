/* The language menu submits itself on change (no inline handler: the CSP allows only our own scripts). */
document.querySelectorAll("form.lang select").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
