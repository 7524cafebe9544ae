// Follows a publication run on the console's "publish now" page: polls the run's progress
// endpoint, shows each step as it completes, then the outcome. Loaded only while a run goes.
(function () {
  "use strict";
  var section = document.getElementById("publish-run");
  if (!section || section.dataset.state !== "running") {
    return;
  }
  var url = section.dataset.progressUrl;
  var list = document.getElementById("publish-steps");
  var outcome = document.getElementById("publish-outcome");
  var waitMs = 1000;

  function showSteps(steps) {
    for (var i = list.children.length; i < steps.length; i++) {
      var item = document.createElement("li");
      item.textContent = steps[i];
      list.appendChild(item);
    }
  }

  function finish(run) {
    section.dataset.state = run.state;
    outcome.textContent = run.outcome;
    outcome.className = run.state === "done" ? "flash flash-info" : "flash flash-error";
    outcome.setAttribute("role", run.state === "done" ? "status" : "alert");
    // The publication table was read before the run ended: hide it rather than show it stale.
    // The link back to the page brings the table as it is now and the form for another run.
    var status = document.getElementById("publication-status");
    if (status) {
      status.hidden = true;
    }
    var again = document.getElementById("publish-start-hidden");
    if (again) {
      var link = document.createElement("a");
      link.href = again.dataset.href;
      link.textContent = again.dataset.reload;
      again.textContent = "";
      again.appendChild(link);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        showSteps(run.shown_steps);
        if (run.state === "running") {
          window.setTimeout(poll, waitMs);
        } else {
          finish(run);
        }
      })
      .catch(function () {
        waitMs = Math.min(waitMs * 2, 10000);
        window.setTimeout(poll, waitMs);
      });
  }

  window.setTimeout(poll, waitMs);
})();
