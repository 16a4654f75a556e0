// The QR code of an issued document carries #doc=<number>&h=<short hash> to /public/verify: fill the
// lookup form from the fragment (which never reaches the server), never the URL.
(function () {
  var params = new URLSearchParams((window.location.hash || "").slice(1));
  var form = document.querySelector("form.lookup");
  var doc = params.get("doc"), check = params.get("h");
  if (form && doc && check) { form.elements.no.value = doc; form.elements.sha256.value = check; }
})();
