// Progressive enhancement of the questionnaire: autosave on every change, live skip logic,
// copy-link, one submit per click, and Korean IME safety. Pages work fully without it.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Focus the error summary so screen readers announce it.
  var summary = $("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Enter while composing Hangul must not submit the form.
  $all("form[data-guard-ime]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) {
        event.preventDefault();
      }
    });
  });

  // A second click while the first submit is on its way does nothing. (The autosaving form
  // orders its submit after any save in flight, below, and guards itself there.)
  $all("form:not([data-autosave])").forEach(function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      window.setTimeout(function () { sent = false; }, 8000);
    });
  });

  // Copy the resume link.
  $all("[data-copy-button]").forEach(function (button) {
    var box = button.closest(".resume-box");
    var source = $("[data-copy-source]", box);
    var status = $("[data-copy-status]", box);
    button.hidden = false;
    button.addEventListener("click", function () {
      source.select();
      var done = function () { status.textContent = button.getAttribute("data-copied") || "✓"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
      } else { document.execCommand("copy"); done(); }
    });
  });

  // "None" and "Don't know" cannot be combined with other boxes.
  $all("fieldset[data-question]").forEach(function (fieldset) {
    var boxes = $all("input[type=checkbox][name]", fieldset).filter(function (b) { return !/__unknown$/.test(b.name); });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { return; }
        boxes.forEach(function (other) {
          if (other !== box && (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
            other.checked = false;
          }
        });
      });
    });
    // A number and "Don't know" exclude each other.
    var unknown = $("input[type=checkbox][name$='__unknown']", fieldset);
    var number = $("input[type=text]", fieldset);
    if (unknown && number) {
      unknown.addEventListener("change", function () { if (unknown.checked) { number.value = ""; } });
      number.addEventListener("input", function () { if (number.value) { unknown.checked = false; } });
    }
  });

  // Autosave: post the page's form on each change; show/hide questions that (stop) apply.
  var form = $("form[data-autosave]");
  if (!form) { return; }
  var status = $("[data-save-status]", form);
  var revision = $("input[name=revision]", form);
  var lang = document.documentElement.lang;
  var text = {
    saving: lang === "ko" ? "저장 중…" : "Saving…",
    saved: lang === "ko" ? "저장되었습니다" : "Saved",
    failed: lang === "ko" ? "저장하지 못했습니다. 페이지 아래의 버튼을 눌러 저장하세요." : "Not saved. Press a button below to save."
  };
  var timer = null;
  var inFlight = false;
  var again = false;
  // After a conflict (another window or device saved this page), autosave stops: the whole page
  // is posted, so an autosave would silently undo the other answers. Reload or Save decides.
  // After the assessment was submitted (elsewhere), nothing more can be saved.
  var stopped = false;
  // A button pressed while an autosave is on its way: the page is posted once that save has
  // answered, with the revision it returned, so a tab never conflicts with itself.
  var pendingSubmit = null;
  var submitting = false;

  function showErrors(errors) {
    $all("[data-js-error]", form).forEach(function (node) {
      var fieldset = node.closest("fieldset");
      node.parentNode.removeChild(node);
      if (fieldset && !$(".error-message", fieldset)) { fieldset.classList.remove("has-error"); }
    });
    Object.keys(errors || {}).forEach(function (id) {
      var fieldset = $("fieldset[data-question='" + id + "']", form);
      if (!fieldset) { return; }
      var node = document.createElement("span");
      node.className = "error-message";
      node.id = id + "-error";
      node.setAttribute("data-js-error", "");
      node.textContent = errors[id];
      var old = document.getElementById(node.id);
      if (old) { old.parentNode.removeChild(old); }
      var hint = $(".hint", fieldset);
      fieldset.insertBefore(node, hint ? hint.nextSibling : fieldset.firstChild);
      fieldset.classList.add("has-error");
      var described = (fieldset.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(node.id) < 0) { described.push(node.id); }
      fieldset.setAttribute("aria-describedby", described.join(" ").trim());
    });
  }

  function applyApplicable(ids) {
    // A map without a prototype: an id such as "constructor" or "__proto__" is only a key.
    var applicable = Object.create(null);
    ids.forEach(function (id) { applicable[id] = true; });
    $all("fieldset[data-question]", form).forEach(function (fieldset) {
      var show = !!applicable[fieldset.getAttribute("data-question")];
      fieldset.hidden = !show;
      fieldset.disabled = !show;
    });
  }

  function save() {
    if (stopped || pendingSubmit) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    status.textContent = text.saving;
    var body = new FormData(form);
    // Say which questions are on the page even when nothing is chosen, so clearing is saved.
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }, keepalive: true
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (result.ok) {
        revision.value = data.revision;
        applyApplicable(data.applicable);
        showErrors({});
        status.textContent = text.saved;
      } else if (data.error === "invalid") {
        // The other answers were saved; the marked ones keep their last saved value.
        revision.value = data.revision;
        applyApplicable(data.applicable);
        showErrors(data.errors);
        status.textContent = data.message || text.failed;
      } else {
        if (data.error === "conflict" || data.error === "submitted") { stopped = true; }
        // After a conflict a pending button press posts the page at its old revision, so the
        // server shows the conflict instead of silently keeping only this window's answers.
        if (data.revision && !pendingSubmit) { revision.value = data.revision; }
        status.textContent = data.message || text.failed;
      }
    }).catch(function () {
      status.textContent = text.failed;
    }).then(function () {
      inFlight = false;
      if (pendingSubmit) {
        var submitter = pendingSubmit === true ? undefined : pendingSubmit;
        pendingSubmit = null;
        again = false;
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
        return;
      }
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("submit", function (event) {
    // The page posts every answer on it, so a save still waiting to start is not needed.
    window.clearTimeout(timer);
    timer = null;
    if (submitting) { event.preventDefault(); return; }
    if (inFlight) {
      event.preventDefault();
      pendingSubmit = event.submitter || true;
      status.textContent = text.saving;
      return;
    }
    submitting = true;
    window.setTimeout(function () { submitting = false; }, 8000);
  });

  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 150);
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 800);
  });
  // Save what was typed just before the tab closes.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer && !submitting) { window.clearTimeout(timer); save(); }
  });
})();
