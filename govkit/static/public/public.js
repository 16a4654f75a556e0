// Buttons marked data-print print the page (CSP forbids inline onclick handlers).
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) {
    event.preventDefault();
    window.print();
  }
});
