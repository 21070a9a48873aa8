// The batch progress page: poll the job's figures and update the page in place; reload once
// the batch has finished, so that the download button appears. Without JavaScript, the page
// refreshes itself (a <noscript> refresh) instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box) { return; }
  var counts = box.querySelector("[data-job-counts]");
  var bar = box.querySelector("progress");
  function fill(template, data) {
    return template.replace("{done}", data.done).replace("{total}", data.total)
      .replace("{failed}", data.failed);
  }
  function poll() {
    fetch(box.getAttribute("data-job-progress"), { headers: { "Accept": "application/json" },
                                                   credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        counts.textContent = fill(counts.getAttribute("data-template"), data);
        bar.max = data.total;
        bar.value = data.done + data.failed;
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (box.hasAttribute("data-running")) { window.setTimeout(poll, 2000); }
}());
