// servicefit embed helper for host pages: sizes servicefit iframes to their content.
// Include once with <script src="https://SERVICEFIT/embed.js" async></script>; without it the
// iframes keep the height written in the snippet.
(function () {
  "use strict";
  if (window.servicefitEmbed) {
    return;
  }
  window.servicefitEmbed = true;
  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var origin = new URL(script.src).origin;
  var MIN = 120;
  var MAX = 20000;

  function ourFrames() {
    var found = [];
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var src = frames[i].getAttribute("src") || "";
      var frameOrigin;
      try {
        frameOrigin = new URL(src, document.baseURI).origin;
      } catch (e) {
        continue;
      }
      if (frameOrigin === origin) {
        found.push(frames[i]);
      }
    }
    return found;
  }

  window.addEventListener("message", function (event) {
    // Only the servicefit origin may resize, and only the frame that sent the message.
    if (event.origin !== origin) {
      return;
    }
    var data = event.data;
    if (!data || data.type !== "servicefit:height" || typeof data.height !== "number" || !isFinite(data.height)) {
      return;
    }
    var height = Math.min(MAX, Math.max(MIN, Math.ceil(data.height)));
    var frames = ourFrames();
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].setAttribute("height", String(height));
      }
    }
  });
})();
