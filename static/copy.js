// Adds a copy button beside every read-only field marked data-copy. Without JavaScript, or
// without the clipboard API, the field alone still lets people select and copy the text.
// Also shows the print buttons (data-print), and opens every folded section while printing so
// the paper copy has the arithmetic and the assumptions too.
(function () {
  "use strict";
  var printButtons = document.querySelectorAll("[data-print]");
  for (var p = 0; p < printButtons.length; p++) {
    printButtons[p].hidden = false;
    printButtons[p].addEventListener("click", function () {
      window.print();
    });
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details:not([open])");
    for (var d = 0; d < closed.length; d++) {
      if (!closed[d].closest(".no-print")) {
        closed[d].open = true;
        opened.push(closed[d]);
      }
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) {
      opened.pop().open = false;
    }
  });
  if (!navigator.clipboard) {
    return;
  }
  var fields = document.querySelectorAll("[data-copy]");
  for (var i = 0; i < fields.length; i++) {
    addButton(fields[i]);
  }
  function addButton(field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = field.getAttribute("data-copy") || "Copy";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          status.textContent = "Copied.";
        },
        function () {
          field.select();
          status.textContent = "Select the text and copy it with Ctrl+C or ⌘C.";
        }
      );
    });
    var row = document.createElement("p");
    row.className = "copy-row";
    row.appendChild(button);
    row.appendChild(status);
    field.parentNode.insertBefore(row, field.nextSibling);
  }
})();
