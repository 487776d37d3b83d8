// The menu button of narrow screens: it shows and hides the sidebar's links. The page marks
// itself "has-menu" only here, so without JavaScript the links are never hidden (the CSS hides
// them below 800 px only under that class). No inline script: the CSP allows none.
(function () {
  "use strict";
  var button = document.querySelector(".menu-button");
  if (!button) return;
  var links = document.getElementById(button.getAttribute("aria-controls"));
  if (!links) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    links.classList.toggle("is-open", open);
  }

  document.documentElement.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the menu and gives focus back to its button.
  links.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
