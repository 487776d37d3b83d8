// Highlight a passage: the selection inside the item's text sets the highlight form's start
// and end (offsets into the text as stored), and shows the passage chosen.
(function () {
  "use strict";
  var text = document.getElementById("item-text");
  if (!text) return;

  function offset(node, within) {
    var range = document.createRange();
    range.selectNodeContents(text);
    range.setEnd(node, within);
    return range.toString().length;
  }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    var start = offset(range.startContainer, range.startOffset);
    var end = offset(range.endContainer, range.endOffset);
    if (end <= start) return;
    document.getElementById("id_start").value = start;
    document.getElementById("id_end").value = end;
    document.getElementById("passage").textContent = text.textContent.slice(start, end);
  });
})();
