/* medlens review page: a zoomable image and heatmap side by side (one zoom for both), and reply templates
   inserted into the answer box. Plain JS, no library. Zoom: click (shift-click: out), mouse wheel, the
   buttons, or the keyboard on a focused image (+ / - / 0, arrow keys to move); drag to move. */
(function () {
  "use strict";
  var MIN = 1, MAX = 8, STEP = 1.5;
  var frames = Array.prototype.slice.call(document.querySelectorAll(".zoom-frame"));
  var level = document.getElementById("zoom-level");
  var view = { s: 1, x: 0, y: 0 };

  function size() {
    var f = frames[0];
    return f ? { w: f.clientWidth, h: f.clientHeight } : { w: 1, h: 1 };
  }

  function clamp() {
    var d = size();
    view.s = Math.min(MAX, Math.max(MIN, view.s));
    view.x = Math.min(0, Math.max(d.w * (1 - view.s), view.x));
    view.y = Math.min(0, Math.max(d.h * (1 - view.s), view.y));
  }

  function apply() {
    clamp();
    frames.forEach(function (f) {
      var img = f.querySelector("img");
      if (img) { img.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.s + ")"; }
      f.classList.toggle("zoomed", view.s > 1);
    });
    if (level) { level.textContent = Math.round(view.s * 100) + " %"; }
  }

  function zoomAt(factor, px, py) {
    var d = size();
    if (px === undefined) { px = d.w / 2; py = d.h / 2; }
    var s = Math.min(MAX, Math.max(MIN, view.s * factor));
    var k = s / view.s;
    view.x = px - (px - view.x) * k;
    view.y = py - (py - view.y) * k;
    view.s = s;
    apply();
  }

  function reset() { view = { s: 1, x: 0, y: 0 }; apply(); }

  function point(f, e) {
    var r = f.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  frames.forEach(function (f) {
    var drag = null;
    f.addEventListener("pointerdown", function (e) {
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    });
    f.addEventListener("pointermove", function (e) {
      if (!drag || view.s <= 1) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; }
      if (drag.moved) { view.x = drag.vx + dx; view.y = drag.vy + dy; apply(); }
    });
    f.addEventListener("pointerup", function (e) {
      var moved = drag && drag.moved;
      drag = null;
      if (moved) { return; }
      var p = point(f, e);
      if (e.shiftKey) { zoomAt(1 / STEP, p[0], p[1]); }
      else if (view.s >= MAX) { reset(); }
      else { zoomAt(STEP, p[0], p[1]); }
    });
    f.addEventListener("pointerleave", function () { drag = null; });
    f.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = point(f, e);
      zoomAt(e.deltaY < 0 ? 1.25 : 0.8, p[0], p[1]);
    }, { passive: false });
    f.addEventListener("keydown", function (e) {
      var d = size(), move = 0.1;
      var keys = {
        "+": function () { zoomAt(STEP); }, "=": function () { zoomAt(STEP); },
        "-": function () { zoomAt(1 / STEP); }, "0": reset,
        "ArrowLeft": function () { view.x += d.w * move; apply(); },
        "ArrowRight": function () { view.x -= d.w * move; apply(); },
        "ArrowUp": function () { view.y += d.h * move; apply(); },
        "ArrowDown": function () { view.y -= d.h * move; apply(); },
        "Enter": function () { if (view.s >= MAX) { reset(); } else { zoomAt(STEP); } }
      };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-zoom]"), function (b) {
    b.addEventListener("click", function () {
      var what = b.getAttribute("data-zoom");
      if (what === "in") { zoomAt(STEP); } else if (what === "out") { zoomAt(1 / STEP); } else { reset(); }
    });
  });
  window.addEventListener("resize", apply);

  /* reply templates: the chosen text goes into the answer box (after what is already there), to edit */
  var pick = document.getElementById("reply-template");
  var body = document.getElementById("body");
  if (pick && body) {
    pick.addEventListener("change", function () {
      var opt = pick.options[pick.selectedIndex];
      var text = opt ? opt.getAttribute("data-text") : "";
      if (!text) { return; }
      body.value = body.value.trim() ? body.value.replace(/\s+$/, "") + "\n\n" + text : text;
      pick.selectedIndex = 0;
      body.focus();
      body.setSelectionRange(body.value.length, body.value.length);
    });
  }
}());
