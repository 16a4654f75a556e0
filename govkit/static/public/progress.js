// The QR code on a notice opens /public/progress?no=<number>#t=<token>. The fragment never reaches
// the server (no access log, no Referer); move the token into the lookup form, drop it from the
// address bar and history, and post the form.
(function () {
  var match = /(?:^#|&)t=([^&]*)/.exec(window.location.hash || "");
  var form = document.querySelector("form.lookup");
  if (!match || !form) { return; }
  form.elements.t.value = decodeURIComponent(match[1].replace(/\+/g, " "));
  history.replaceState(null, "", window.location.pathname + window.location.search);
  if (form.elements.no.value) { form.submit(); }
})();
