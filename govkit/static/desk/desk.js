/* govkit desk: confirm decisions that need a field, and stop double submits on slow links. */
(function () {
  var form = document.getElementById("intake-form");
  if (form) {
    form.addEventListener("click", function (e) {
      var b = e.target;
      if (b.name !== "decision") return;
      if (b.value === "refuse") {
        var r = form.querySelector("[name=refuse_reason]");
        if (r && !r.value.trim()) { e.preventDefault(); alert("请先填写不予受理理由。"); r.focus(); return; }
      }
      if (b.value === "supplement") {
        var open = form.querySelectorAll("[name=received]:not(:checked)").length;
        var extra = form.querySelector("[name=missing_extra]");
        if (!open && !(extra && extra.value.trim())) { e.preventDefault(); alert("请取消勾选缺少的材料，或填写清单外需补正的材料。"); return; }
      }
    });
  }
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset.sent) { e.preventDefault(); return; }
    f.dataset.sent = "1";
    setTimeout(function () { delete f.dataset.sent; }, 15000);
  });
})();
