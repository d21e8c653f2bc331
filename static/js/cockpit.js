// The management cockpit's charts (salesoffice.cockpit.chart_data), drawn with ECharts from the json_script data:
// no inline script under the Content-Security-Policy. SVG, so that the charts print sharp.
(function () {
  function draw() {
    const source = document.getElementById("cockpit-charts");
    if (!source || !window.echarts) return;
    const locale = document.documentElement.lang.startsWith("zh") ? "ZH" : "EN";
    const charts = JSON.parse(source.textContent);
    for (const spec of charts) {
      const element = document.querySelector(`[data-chart="${spec.id}"]`);
      if (!element) continue;
      const chart = window.echarts.init(element, null, { renderer: "svg", locale });
      const percentOnly = spec.series.every((s) => s.kind === "percent");
      const many = spec.categories.length > 6;
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
        xAxis: {
          type: "category",
          data: spec.categories,
          axisLabel: { interval: 0, rotate: many ? 30 : 0, hideOverlap: true },
        },
        yAxis: { type: "value", axisLabel: percentOnly ? { formatter: "{value}%" } : {} },
        series: spec.series.map((s) => ({ name: s.name, type: spec.type, data: s.data })),
      });
      element.dataset.drawn = "yes";
      window.addEventListener("resize", () => chart.resize());
      window.addEventListener("beforeprint", () => chart.resize());
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
