// Progressive enhancement only: every page works without it.
// A refused form's error summary takes the focus (autofocus does it in most
// browsers), and its links move the focus to the field they name.
document.addEventListener("DOMContentLoaded", function () {
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
