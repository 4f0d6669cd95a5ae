// Progressive enhancement only: every page works without it.
// A refused form's error summary takes the focus (autofocus does it in most
// browsers), and its links move the focus to the field they name.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // Phones: the Menu button folds and unfolds the navigation.
  var toggle = document.querySelector(".nav-toggle button");
  var links = document.getElementById("nav-links");
  if (toggle && links) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = links.classList.toggle("expanded");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // A table wider than the screen scrolls inside the page: keyboard users
  // reach it with Tab and scroll it with the arrow keys.
  var markScrollable = function () {
    document.querySelectorAll("main table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
      else t.removeAttribute("tabindex");
    });
  };
  markScrollable();
  window.addEventListener("resize", markScrollable);
  // A link to a folded action form (#action-…) unfolds it.
  var target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (e) {
    var a = e.target.closest("a[href^='#']");
    if (!a) return;
    var field = document.getElementById(a.getAttribute("href").slice(1));
    if (!field) return;
    e.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
});
// Where there is room, a list's folded filters open; on a phone they stay
// folded under their summary, the list first, unless a filter is set.
document.addEventListener("DOMContentLoaded", function () {
  var wide = window.matchMedia("(min-width: 701px)");
  var fold = function () {
    document.querySelectorAll("details.filters").forEach(function (d) {
      d.open = wide.matches || d.dataset.set === "true";
    });
  };
  fold();
  wide.addEventListener("change", fold);
});
