/* Forms: a counter under every text with a limit (data-maxlength, set instead of maxlength, which would cut a
 * pasted text silently), and the attendee picker's search. No inline script: the CSP allows only our files. */
(function () {
  "use strict";
  document.querySelectorAll("[data-maxlength]").forEach(function (input) {
    var limit = parseInt(input.dataset.maxlength, 10);
    var counter = document.createElement("p");
    counter.className = "counter help";
    counter.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", counter);
    function update() {
      var length = input.value.length;
      counter.textContent = length + " / " + limit;
      counter.classList.toggle("over", length > limit);
    }
    input.addEventListener("input", update);
    update();
  });

  // The attendee picker: typing in its search box hides the people whose name, login or unit do not match.
  document.querySelectorAll("[data-picker-search]").forEach(function (search) {
    var picker = document.getElementById(search.dataset.pickerSearch);
    if (!picker) return;
    search.hidden = false;
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase();
      picker.querySelectorAll("[data-search]").forEach(function (item) {
        item.hidden = words !== "" && item.dataset.search.toLowerCase().indexOf(words) === -1;
      });
      picker.querySelectorAll("fieldset.group").forEach(function (group) {
        group.hidden = !group.querySelector("[data-search]:not([hidden])");
      });
    });
  });
})();
