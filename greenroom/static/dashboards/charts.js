// Draws every chart on the page from its Vega-Lite specification (JSON in the chart's
// data-spec attribute, which survives htmx swaps where script elements do not), with the
// vega-embed bundle served by this server. `ast: true` evaluates
// Vega expressions with the interpreter instead of `new Function`, which the
// Content-Security-Policy forbids; vega-embed's and vega-tooltip's own <style> elements are
// turned off for the same reason (their rules are in dashboards.css).
(function () {
  "use strict";

  function draw(root) {
    if (typeof window.vegaEmbed !== "function") return;
    root.querySelectorAll(".chart[data-spec]").forEach(function (element) {
      if (element.dataset.drawn) return;
      element.dataset.drawn = "1";
      var spec = JSON.parse(element.dataset.spec);
      delete spec.title; // the card's caption says it (the title stays for downloads)
      window.vegaEmbed(element, spec, {
        ast: true,
        actions: false,
        renderer: "svg",
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true, theme: "light" },
      }).then(function () {
        // The element around it is the image (role="img", labelled with the chart's title).
        var svg = element.querySelector("svg");
        if (svg) svg.setAttribute("aria-hidden", "true");
      }).catch(function (error) {
        element.textContent = "This chart could not be drawn: " + error.message;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
