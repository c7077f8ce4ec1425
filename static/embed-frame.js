// Runs inside the embedded page: tells the host page how tall the content is, so embed.js can
// size the iframe. Only the height is sent, never anything about the result, so the message can
// go to any parent: the host's origin is not known here and the framing policy already limits
// who can be the parent.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = -1;
  function post() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) {
      return;
    }
    last = height;
    window.parent.postMessage({ type: "servicefit:height", height: height }, "*");
  }
  window.addEventListener("load", post);
  if ("ResizeObserver" in window) {
    new ResizeObserver(post).observe(document.documentElement);
  }
  post();
})();
