// Header language menu: choosing a language submits the form at once; the button is kept for
// browsers without JavaScript.
(function () {
  "use strict";
  var select = document.getElementById("language-select");
  if (!select) return;
  var button = select.form.querySelector("button[type=submit]");
  if (button) button.hidden = true;
  select.addEventListener("change", function () { select.form.submit(); });
})();
