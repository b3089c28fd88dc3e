/* The body map of the upload form: a click (or Enter / Space on a focused region) chooses that body site
   in the lesion_site select and marks "a new lesion"; the select stays the real control (and the only
   one without JavaScript). The coarser "body site" select follows the marked site (the server does the
   same). Choosing an earlier lesion in its list marks "the same lesion". */
(function () {
  "use strict";
  var map = document.getElementById("body-map");
  var select = document.getElementById("lesion_site");
  if (!map || !select) return;
  map.hidden = false;
  var regions = Array.prototype.slice.call(map.querySelectorAll("[data-site]"));
  var chosen = document.getElementById("body-map-chosen");
  var newRadio = document.getElementById("lesion-new");
  var caseSite = document.getElementById("body_site");

  function show(code) {
    regions.forEach(function (r) {
      var on = r.getAttribute("data-site") === code;
      r.classList.toggle("chosen", on);
      r.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var opt = select.options[select.selectedIndex];
    chosen.textContent = code && opt ? opt.textContent : "";
    var coarse = code && opt ? opt.getAttribute("data-case-site") : null;
    if (caseSite && coarse) caseSite.value = coarse;
  }

  function choose(code) {
    select.value = code;
    if (newRadio) newRadio.checked = true;
    show(code);
  }

  regions.forEach(function (r) {
    r.addEventListener("click", function () { choose(r.getAttribute("data-site")); });
    r.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose(r.getAttribute("data-site"));
      }
    });
  });
  select.addEventListener("change", function () {
    if (newRadio && select.value) newRadio.checked = true;
    show(select.value);
  });
  var lesionId = document.getElementById("lesion_id");
  var same = document.getElementById("lesion-same");
  if (lesionId && same) lesionId.addEventListener("change", function () { same.checked = true; });
  show(select.value);
})();
