// Supplier autocomplete for the payment form: fills the field's datalist
// with names on the register as the clerk types. The form works without it.
(function () {
  "use strict";
  var input = document.querySelector("input[data-lookup]");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      fetch(input.dataset.lookup + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (names) {
          list.textContent = "";
          names.forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
