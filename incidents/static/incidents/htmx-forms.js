// Form fragments answer their errors with 400/403/409/412 and the form again; htmx does not
// swap error responses by default, so let it swap those of elements marked data-form-fragment.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.target;
  if ([400, 403, 409, 412].indexOf(status) === -1 || !elt || !elt.closest) {
    return;
  }
  if (elt.closest("[data-form-fragment]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
