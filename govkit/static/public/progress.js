// The QR code on a notice opens /public/progress?no=<number>#t=<token>, and on an issued document
// also &doc=<number>&h=<short hash>. The fragment never reaches the server (no access log, no
// Referer): move the token into the lookup form, drop it from the address bar and history, and post
// the form; a document's number and short hash stay in the fragment for the verify link.
(function () {
  var params = new URLSearchParams((window.location.hash || "").slice(1));
  var form = document.querySelector("form.lookup");
  var box = document.getElementById("verify-this");
  var doc = params.get("doc"), check = params.get("h");
  var docHash = doc && check ? "#" + new URLSearchParams({doc: doc, h: check}).toString() : "";
  if (box && docHash) { box.hidden = false; box.querySelector("a").href += docHash; }
  var token = params.get("t");
  if (!token || !form) { return; }
  form.elements.t.value = token;
  history.replaceState(null, "", window.location.pathname + window.location.search + docHash);
  if (docHash) { form.action = form.action.split("#")[0] + docHash; }
  if (form.elements.no.value) { form.submit(); }
})();
