/* Supervision charts (统计图表): draws the figures of #gk-chart-data with Apache ECharts (vendored, SVG
 * renderer so charts print sharp). No inline script: the page's CSP allows only govkit's own files. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("gk-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var font = { fontFamily: "sans-serif" };
    var charts = [];

    function chart(id, option) {
      var node = document.getElementById(id);
      if (!node) { return; }
      var instance = window.echarts.init(node, null, { renderer: "svg" });
      option.animation = false;
      option.textStyle = font;
      instance.setOption(option);
      charts.push(instance);
    }

    var m = data.monthly;
    chart("gk-chart-monthly", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["收件", "办结", "按时办结率"] },
      grid: { top: 50, left: 50, right: 60, bottom: 30 },
      xAxis: { type: "category", data: m.months },
      yAxis: [{ type: "value", name: "件", minInterval: 1 },
              { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: "收件", type: "bar", data: m.received, itemStyle: { color: "#3c8dbc" } },
        { name: "办结", type: "bar", data: m.completed, itemStyle: { color: "#00a65a" } },
        { name: "按时办结率", type: "line", yAxisIndex: 1, data: m.on_time_rate, itemStyle: { color: "#605ca8" },
          connectNulls: true, label: { show: true, formatter: "{c}%" } }
      ]
    });

    chart("gk-chart-ratings", {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { orient: "vertical", left: "left" },
      color: ["#00a65a", "#5cb85c", "#3c8dbc", "#f39c12", "#dd4b39"],
      series: [{ name: "好差评", type: "pie", radius: ["35%", "65%"], data: data.ratings,
                 label: { formatter: "{b}\n{c}" } }]
    });

    var d = data.divisions;
    chart("gk-chart-divisions", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["按时办结率", "提前办结率"] },
      grid: { top: 40, left: 110, right: 50, bottom: 30 },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: d.names, inverse: true },
      series: [
        { name: "按时办结率", type: "bar", barMaxWidth: 24, data: d.on_time_rate, itemStyle: { color: "#3c8dbc" },
          label: { show: true, position: "right", formatter: "{c}%" } },
        { name: "提前办结率", type: "bar", barMaxWidth: 24, data: d.early_rate, itemStyle: { color: "#00a65a" },
          label: { show: true, position: "right", formatter: "{c}%" } }
      ]
    });

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
