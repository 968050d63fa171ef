// Lists that refresh themselves: every element with data-refresh="<seconds>" and an id is
// fetched again from the page's own URL (so with its filters, tab and page) and swapped in
// place. What the user is doing survives the swap: ticked rows, a choice made in a row's
// select, the focused checkbox and the scroll position. A list waits while the user is
// typing or choosing in it, while it shows a form's errors, or while the page is hidden.
(function () {
  "use strict";

  function busy(list) {
    if (document.hidden) return true;
    var active = document.activeElement;
    if (active && list.contains(active) && active.matches("select, textarea, input:not([type=checkbox])")) {
      return true;
    }
    return !!list.querySelector("[data-form-errors], .htmx-request");
  }

  function remember(list) {
    var state = { checked: [], values: {}, focus: null, x: window.scrollX, y: window.scrollY };
    list.querySelectorAll("input[type=checkbox][id]:checked").forEach(function (box) {
      state.checked.push(box.id);
    });
    list.querySelectorAll("select[data-dirty][id]").forEach(function (select) {
      state.values[select.id] = select.value;
    });
    var active = document.activeElement;
    if (active && active.id && list.contains(active)) state.focus = active.id;
    return state;
  }

  function restore(id, state) {
    var list = document.getElementById(id);
    if (!list) return;
    state.checked.forEach(function (boxId) {
      var box = document.getElementById(boxId);
      if (box && list.contains(box)) box.checked = true;
    });
    Object.keys(state.values).forEach(function (selectId) {
      var select = document.getElementById(selectId);
      if (select && list.contains(select)) {
        select.value = state.values[selectId];
        select.setAttribute("data-dirty", "");
      }
    });
    if (state.focus) {
      var focused = document.getElementById(state.focus);
      if (focused && list.contains(focused)) focused.focus({ preventScroll: true });
    }
    window.scrollTo(state.x, state.y);
    updateCount();
  }

  function refresh(list) {
    if (busy(list) || list.dataset.refreshing) return;
    var id = list.id;
    var state = remember(list);
    list.dataset.refreshing = "1";
    htmx
      .ajax("GET", window.location.pathname + window.location.search, {
        target: "#" + id,
        swap: "outerHTML",
      })
      .then(function () {
        restore(id, state);
      })
      .finally(function () {
        var current = document.getElementById(id);
        if (current) delete current.dataset.refreshing;
      });
  }

  function tick() {
    document.querySelectorAll("[data-refresh][id]").forEach(function (list) {
      var seconds = parseFloat(list.dataset.refresh) || 0;
      if (seconds <= 0) return;
      var due = parseFloat(list.dataset.refreshDue || "0");
      var now = Date.now();
      if (!due) {
        list.dataset.refreshDue = String(now + seconds * 1000);
      } else if (now >= due) {
        list.dataset.refreshDue = String(now + seconds * 1000);
        refresh(list);
      }
    });
  }

  // The bulk bar: how many rows are ticked, "select all", and the current filters on submit.
  function updateCount() {
    var label = document.getElementById("bulk-count");
    if (!label) return;
    var n = document.querySelectorAll("input[name=pick][form=bulk-form]:checked").length;
    if (!label.dataset.empty) label.dataset.empty = label.textContent;
    label.textContent = n ? label.dataset.template.replace("__N__", n) : label.dataset.empty;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "pick-all") {
      document.querySelectorAll("input[name=pick][form=bulk-form]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches && target.matches("select")) target.setAttribute("data-dirty", "");
    updateCount();
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "bulk-form") {
      event.detail.path = form.dataset.bulkPath + window.location.search;
    }
  });
  document.addEventListener("htmx:afterSettle", updateCount);

  setInterval(tick, 500);
})();
