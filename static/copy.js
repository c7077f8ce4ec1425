// Adds a copy button beside every read-only field marked data-copy. Without JavaScript, or
// without the clipboard API, the field alone still lets people select and copy the text.
(function () {
  "use strict";
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
