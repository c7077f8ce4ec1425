// Turns the one-page questionnaire into a step-by-step flow: one section at a time with a
// progress bar, back and next, checks before each step that use the server's own messages
// (rendered into data-check-* attributes), and answers kept in this browser's localStorage so a
// reload or a later visit resumes. Without JavaScript the page stays one form the server checks.
(function () {
  "use strict";
  var form = document.querySelector("form.questionnaire");
  if (!form || !form.querySelectorAll || !window.JSON) {
    return;
  }
  var sections = Array.prototype.slice.call(form.querySelectorAll(".q-section"));
  if (sections.length < 2) {
    return;
  }
  var STORE = "servicefit:questionnaire:v1";
  // The spam check's fields belong to this page view, never to a saved draft; nor does the
  // name given for the report by email (the address is not a text field and is not saved).
  var NOT_SAVED = { form_started: true, submission: true, website: true, report_name: true };
  var total = sections.length;
  var current = 0;
  var serverSummary = document.getElementById("error-summary");

  var actions = form.querySelector(".actions");
  var submit = actions.querySelector("button[type=submit]");
  // One compact block above the step: where the owner is, a thin bar, and a way to start over.
  // Screen readers hear the step's number and title; the eye sees the number, and the title
  // in the heading just below.
  var stepper = build(
    '<p class="step-status visually-hidden" id="step-status" aria-live="polite"></p>' +
      '<div class="step-row"><span class="step-count" aria-hidden="true"></span> ' +
      '<button type="button" class="link-button start-over">Start over</button></div>' +
      '<progress id="step-progress" max="' + total + '" value="1" aria-labelledby="step-status"></progress>' +
      '<p class="resume-note" role="status"></p>',
    "div",
    "stepper"
  );
  var status = stepper.querySelector(".step-status");
  var count = stepper.querySelector(".step-count");
  var progress = stepper.querySelector("progress");
  var note = stepper.querySelector(".resume-note");
  var summary = build("", "div", "error-summary");
  summary.id = "step-errors";
  summary.tabIndex = -1;
  summary.setAttribute("role", "alert");
  summary.setAttribute("aria-labelledby", "step-errors-title");
  summary.hidden = true;
  var back = button("Back", "button secondary step-back");
  var next = button("Next", "button step-next");
  // The page's title and introduction belong to the first step; later steps open at their
  // own heading. The title stays in the page for screen readers.
  var pageTitle = document.querySelector("main h1");
  var pageIntro = document.querySelector("main .lead");

  form.insertBefore(stepper, sections[0]);
  form.insertBefore(summary, sections[0]);
  // The step's main action first (full width on a phone), then Back: the order they are seen
  // in is the order they are tabbed to.
  actions.insertBefore(next, submit);
  actions.insertBefore(back, submit.nextSibling);
  form.classList.add("stepped");
  sections.forEach(function (section) {
    section.querySelector("h2").tabIndex = -1;
  });

  function build(html, tag, className) {
    var el = document.createElement(tag);
    el.className = className;
    el.innerHTML = html;
    return el;
  }

  function button(text, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    return b;
  }

  // ---- the server's checks, from the markup ----

  /**
   * Mirrors the server's number parser: "$1,500" is 1500 (commas grouping in threes separate
   * thousands), "1,5" is 1.5 (any other single comma is a decimal comma), anything else is NaN.
   */
  function parseDecimal(text) {
    var v = text.trim().replace(/^[$€£]+/, "").trim();
    if (/^[+-]?[1-9]\d{0,2}(,\d{3})+(\.[^,]*)?$/.test(v)) {
      v = v.replace(/,/g, "");
    } else if (/^[^,.]*,[^,.]*$/.test(v)) {
      v = v.replace(",", ".");
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) {
      return NaN;
    }
    return Number(v);
  }

  /** The server's message for what is wrong with question `q`, or "" when nothing is. */
  function problem(q) {
    var d = q.dataset;
    if (d.kind === "choice") {
      return q.querySelector("input:checked") ? "" : d.checkMissing;
    }
    var value = q.querySelector("input").value.trim();
    if (value === "") {
      return d.checkMissing || "";
    }
    if (d.kind === "text") {
      if (Array.from(value).length > Number(d.maxlength)) {
        return d.checkLong;
      }
      // Unicode control characters, as the server's char::is_control sees them.
      return /[\u0000-\u001f\u007f-\u009f]/.test(value) ? d.checkControl : "";
    }
    var n = parseDecimal(value);
    if (!isFinite(n)) {
      return d.checkNan;
    }
    if (d.kind === "whole" && n % 1 !== 0) {
      return d.checkWhole;
    }
    return n < Number(d.min) || n > Number(d.max) ? d.checkRange : "";
  }

  function describedBy(q) {
    return q.tagName === "FIELDSET" ? q : q.querySelector("input");
  }

  function showError(q, message) {
    var key = q.dataset.question;
    var p = q.querySelector(".error");
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      p.id = "error-" + key;
      var anchor = q.querySelector(".options, .money") || q.querySelector("input");
      anchor.parentNode.insertBefore(p, anchor);
    }
    p.innerHTML = '<span class="visually-hidden">Error:</span> ';
    p.appendChild(document.createTextNode(message));
    q.classList.add("has-error");
    var target = describedBy(q);
    var ids = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(p.id) < 0) {
      ids.push(p.id);
    }
    target.setAttribute("aria-describedby", ids.join(" "));
    if (target.tagName === "INPUT") {
      target.setAttribute("aria-invalid", "true");
    }
  }

  function clearError(q) {
    var p = q.querySelector(".error");
    q.classList.remove("has-error");
    var target = describedBy(q);
    target.removeAttribute("aria-invalid");
    if (p) {
      var ids = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== p.id;
      });
      if (ids.length) {
        target.setAttribute("aria-describedby", ids.join(" "));
      } else {
        target.removeAttribute("aria-describedby");
      }
      p.parentNode.removeChild(p);
    }
  }

  /** Checks every question of `scope`, marks each, and returns the problems in page order. */
  function check(scope) {
    var found = [];
    Array.prototype.forEach.call(scope.querySelectorAll("[data-question]"), function (q) {
      var message = problem(q);
      if (message) {
        showError(q, message);
        found.push({ q: q, message: message });
      } else {
        clearError(q);
      }
    });
    return found;
  }

  function showSummary(found) {
    if (serverSummary) {
      serverSummary.hidden = true;
    }
    var title = found.length === 1 ? "One answer needs" : found.length + " answers need";
    summary.innerHTML = '<h2 id="step-errors-title"></h2><ul></ul>';
    summary.firstChild.textContent = title + " attention";
    found.forEach(function (f) {
      var a = document.createElement("a");
      a.href = "#field-" + f.q.dataset.question;
      // As the server's summary: the short name, with the message for screen readers.
      a.textContent = f.q.dataset.short;
      var said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = ": " + f.message;
      a.appendChild(said);
      var li = document.createElement("li");
      li.appendChild(a);
      summary.lastChild.appendChild(li);
    });
    summary.hidden = false;
    summary.focus();
  }

  function hideSummary() {
    summary.hidden = true;
    summary.innerHTML = "";
  }

  /** Drops a corrected question from the step's summary, which goes when none is left. */
  function dropFromSummary(key) {
    var link = summary.querySelector('a[href="#field-' + key + '"]');
    if (!link) {
      return;
    }
    var list = link.parentNode.parentNode;
    list.removeChild(link.parentNode);
    var left = list.children.length;
    if (!left) {
      hideSummary();
      return;
    }
    summary.firstChild.textContent = (left === 1 ? "One answer needs" : left + " answers need") + " attention";
  }

  // ---- steps ----

  // A count the owner may only guess (problems a month) is offered pre-filled from the
  // headcount at a typical rate per person, once, when its step is first shown empty.
  function prefill(section) {
    var people = form.querySelector("input[name=employees]");
    var n = people ? Number(people.value.replace(/,/g, "")) : NaN;
    if (!(n >= 1 && n <= 10000 && Math.floor(n) === n)) {
      return;
    }
    Array.prototype.forEach.call(section.querySelectorAll("input[data-per-person]"), function (input) {
      if (input.value !== "" || input.getAttribute("data-prefilled")) {
        return;
      }
      var rate = Number(input.getAttribute("data-per-person"));
      input.value = String(Math.round(rate * n * 10) / 10);
      input.setAttribute("data-prefilled", "1");
      var note = document.createElement("p");
      note.className = "hint prefilled";
      note.id = "prefilled-" + input.name;
      note.setAttribute("role", "status");
      note.textContent = "Filled in from your headcount (about " + rate + " a person a month). " +
        "Change it if you know your own count.";
      input.parentNode.insertBefore(note, input);
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + note.id);
    });
  }

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(total - 1, index));
    prefill(sections[current]);
    sections.forEach(function (section, i) {
      section.hidden = i !== current;
    });
    var title = sections[current].querySelector("h2").textContent.replace(/^\s*\d+\s*/, "");
    count.textContent = "Step " + (current + 1) + " of " + total;
    status.textContent = count.textContent + ": " + title;
    progress.value = current + 1;
    if (pageTitle) {
      pageTitle.classList.toggle("visually-hidden", current > 0);
    }
    if (pageIntro) {
      pageIntro.hidden = current > 0;
    }
    back.hidden = current === 0;
    next.hidden = current === total - 1;
    submit.hidden = current !== total - 1;
    if (moveFocus) {
      sections[current].querySelector("h2").focus();
    }
    save();
  }

  function stepOf(el) {
    for (var i = 0; i < total; i++) {
      if (sections[i].contains(el)) {
        return i;
      }
    }
    return -1;
  }

  function goNext() {
    var found = check(sections[current]);
    if (found.length) {
      showSummary(found);
      return;
    }
    hideSummary();
    show(current + 1, true);
  }

  back.addEventListener("click", function () {
    hideSummary();
    show(current - 1, true);
  });
  next.addEventListener("click", goNext);

  // Enter in a text field moves on rather than sending a half-filled form.
  form.addEventListener("submit", function (event) {
    if (current < total - 1) {
      event.preventDefault();
      goNext();
      return;
    }
    var found = check(form);
    if (found.length) {
      event.preventDefault();
      show(stepOf(found[0].q), false);
      showSummary(found.filter(function (f) {
        return stepOf(f.q) === current;
      }));
      return;
    }
    forget();
  });

  // A corrected answer loses its message at once; new messages wait for Next. On input, not
  // change: a change fires when a text field loses focus, and the layout shift of removing
  // its message would move the option the person is clicking out from under the pointer.
  form.addEventListener("input", function (event) {
    var q = event.target.closest && event.target.closest("[data-question]");
    if (q && q.classList.contains("has-error") && !problem(q)) {
      clearError(q);
      dropFromSummary(q.dataset.question);
    }
  });

  // Links in either error summary open the step that holds the question.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#field-']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field || stepOf(field) < 0) {
      return;
    }
    event.preventDefault();
    show(stepOf(field), false);
    var input = field.tagName === "FIELDSET" ? field.querySelector("input:checked") || field.querySelector("input") : field;
    input.focus();
  });

  // ---- saving on this device ----

  function values() {
    var saved = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || NOT_SAVED[el.name] || (el.type === "radio" && !el.checked)) {
        return;
      }
      if (el.type === "radio" || el.type === "text") {
        saved[el.name] = el.value;
      }
    });
    return saved;
  }

  function save() {
    try {
      window.localStorage.setItem(STORE, JSON.stringify({ step: current, values: values() }));
    } catch (e) {
      // Storage can be full or blocked (private modes, third-party frames): the form still works.
    }
  }

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "null");
    } catch (e) {
      return null;
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(STORE);
    } catch (e) {
      // Nothing was saved.
    }
  }

  function restore(draft) {
    var any = false;
    Object.keys(draft.values || {}).forEach(function (name) {
      if (NOT_SAVED[name]) {
        return;
      }
      var value = String(draft.values[name]);
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) {
          return;
        }
        if (el.type === "radio") {
          el.checked = el.value === value;
          any = any || el.checked;
        } else if (el.type === "text") {
          el.value = value;
          any = any || value !== "";
        }
      });
    });
    return any;
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);

  stepper.querySelector(".start-over").addEventListener("click", function () {
    forget();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && !NOT_SAVED[el.name]) {
        if (el.type === "radio") {
          el.checked = false;
        } else if (el.type === "text") {
          el.value = "";
        }
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-question]"), clearError);
    hideSummary();
    if (serverSummary) {
      serverSummary.hidden = true;
    }
    note.textContent = "Your answers were cleared.";
    show(0, true);
  });

  // ---- start ----

  if (serverSummary) {
    // The server sent the form back: its values win over any draft, and the first problem's
    // step opens with the summary focused.
    var firstError = form.querySelector(".has-error");
    show(firstError ? stepOf(firstError) : 0, false);
    serverSummary.focus();
  } else {
    var draft = load();
    if (draft && restore(draft)) {
      note.textContent = "Welcome back: your earlier answers are filled in.";
      show(Number(draft.step) || 0, false);
    } else {
      show(0, false);
    }
  }
})();
