/* Dashboard charts (Apache ECharts, vendored). The numbers come from the page (json_script);
 * the labels too, so nothing here needs translating. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("indicator-charts").textContent);
  var L = data.labels;
  var charts = [];
  function pct(value) { return value == null ? null : Math.round(value * 10000) / 100; }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    var instance = echarts.init(el, null, { renderer: "canvas" });
    instance.setOption(option);
    charts.push(instance);
  }
  var percentAxis = { type: "value", max: 100, axisLabel: { formatter: "{value}%" } };

  chart("chart-children", {
    title: { text: L.children, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 40, bottom: 90, left: 45, right: 15 },
    xAxis: { type: "category", data: data.children.names, axisLabel: { rotate: 35, interval: 0 } },
    yAxis: percentAxis,
    series: [
      { name: L.closure, type: "bar", data: data.children.closure.map(pct) },
      { name: L.onTime, type: "bar", data: data.children.onTime.map(pct) },
    ],
  });
  chart("chart-departments", {
    title: { text: L.departments, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 60, bottom: 50, left: 70, right: 45 },
    yAxis: { type: "category", data: data.departments.names.slice().reverse() },
    xAxis: [percentAxis, { type: "value", minInterval: 1, position: "top", splitLine: { show: false } }],
    series: [
      { name: L.onTime, type: "bar", data: data.departments.onTime.map(pct).reverse() },
      { name: L.returned, type: "bar", xAxisIndex: 1, data: data.departments.returned.slice().reverse() },
    ],
  });
  chart("chart-categories", {
    title: { text: L.categories, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 30, data: data.categories }],
  });
  chart("chart-sources", {
    title: { text: L.sources, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 30, data: data.sources }],
  });
  chart("chart-days", {
    title: { text: L.days, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 40, bottom: 50, left: 45, right: 15 },
    xAxis: { type: "category", data: data.days.dates }, yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L.accepted, type: "line", data: data.days.accepted, smooth: true },
      { name: L.closed, type: "line", data: data.days.closed, smooth: true },
    ],
  });
  chart("chart-grid", {
    title: { text: L.grid, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "60%", top: 30, data: [{ name: L.inside, value: data.grid.inside }, { name: L.outside, value: data.grid.outside }] }],
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
