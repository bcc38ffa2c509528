// The report page's charts, drawn with the vendored ECharts (static/vendor/echarts) from the JSON the page
// carries (<script type="application/json" id="report-charts">): no inline script, nothing from the network.
// Every chart has its table beside it; without ECharts (or JavaScript) the tables alone remain.
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var locale = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  var charts = [];

  function chart(name, option) {
    var element = document.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return null;
    }
    var drawn = window.echarts.init(element, null, { locale: locale, renderer: "svg" });
    drawn.setOption(option);
    charts.push(drawn);
    return drawn;
  }

  var grid = { left: 8, right: 8, top: 36, bottom: 8, containLabel: true };
  chart("trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.trend.labels.received, type: "line", data: data.trend.received },
      { name: data.trend.labels.closed, type: "line", data: data.trend.closed }
    ]
  });

  var units = chart("units", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.units.names, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: [
      { name: data.units.labels.received, type: "bar", data: data.units.received },
      { name: data.units.labels.closed, type: "bar", data: data.units.closed },
      { name: data.units.labels.on_time, type: "line", yAxisIndex: 1, data: data.units.on_time }
    ]
  });
  if (units) {
    // A click on a unit's bar drills down, like a click on its row.
    units.on("click", function (params) {
      var id = data.units.ids[params.dataIndex];
      if (id === undefined) {
        return;
      }
      var query = new URLSearchParams(window.location.search);
      query.set("unit", id);
      query.delete("format");
      window.location.search = query.toString();
    });
  }

  chart("categories", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.categories }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (each) {
      each.resize();
    });
  });
})();
