// Keyboard use of every page: the first field of a form marked data-autofocus has the focus
// (the first wrong one after an answer with errors); "/" focuses the search box; "?" shows the
// list of shortcuts; Ctrl+Enter (Cmd+Enter) submits the form being filled in.
(function () {
  "use strict";

  function typing(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function focusForm(field) {
    var form = document.querySelector("form[data-autofocus]");
    if (!form) {
      return;
    }
    var target = form.querySelector(".is-invalid") || form.querySelector(
      "input:not([type=hidden]):not([disabled]), textarea:not([disabled]), select:not([disabled])"
    );
    if (target && (field || !typing(document.activeElement))) {
      target.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusForm(false);
  });

  // A form answered again with its errors (htmx put it in place of the old one): the first
  // wrong field gets the focus.
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("form[data-autofocus]") && elt.querySelector(".is-invalid")) {
      focusForm(true);
    }
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      var form = event.target.closest ? event.target.closest("form") : null;
      if (form) {
        event.preventDefault();
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === "/") {
      var search = document.getElementById("nav-search");
      if (search) {
        event.preventDefault();
        search.focus();
        if (search.select) {
          search.select();
        }
      }
    } else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help && window.bootstrap) {
        event.preventDefault();
        window.bootstrap.Modal.getOrCreateInstance(help).show();
      }
    }
  });
})();
