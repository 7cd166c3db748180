// Draws each [data-chart] figure with Chart.js from the numbers in its own table.
// Without Chart.js (or without JavaScript) the tables are the charts.
const COLOURS = ["#7a4a1e", "#1f6feb", "#1a7f37", "#9a6700", "#8250df", "#cf222e"];

function numbers(rows, index) {
  return rows.map((row) => {
    const raw = row.cells[index]?.dataset.value ?? "";
    return raw === "" ? null : Number(raw);
  });
}

// Long names on the category axis of a horizontal bar chart are shortened to what fits a
// fraction of the chart's width ("Nocturne in E-flat maj…"); the tooltip and the table
// below give them in full.
const LABEL_SHARE = 0.42;
const CHAR_PX = 7;

function cut(text, maxChars) {
  return `${text.slice(0, Math.max(1, maxChars - 1)).trimEnd()}…`;
}

// "Piece › Section" keeps the section's name and shortens the piece's.
export function shorten(label, maxChars) {
  if (label.length <= maxChars) return label;
  const at = label.lastIndexOf(" › ");
  if (at > 0) {
    const tail = label.slice(at + 3);
    const headRoom = maxChars - tail.length - 3;
    if (headRoom >= 4) return `${cut(label.slice(0, at), headRoom)} › ${tail}`;
    return tail.length + 4 <= maxChars ? `… › ${tail}` : cut(tail, maxChars);
  }
  return cut(label, maxChars);
}

function draw(Chart, figure) {
  const table = figure.querySelector("table[data-chart-table]");
  if (!table) return;
  const kind = figure.dataset.chart;
  const heads = [...table.tHead.rows[0].cells];
  const rows = [...table.tBodies[0].rows];
  const labels = rows.map((row) => row.cells[0].textContent.trim());
  const datasets = [];
  heads.forEach((th, index) => {
    const series = th.dataset.series;
    if (!series) return;
    const colour = COLOURS[datasets.length % COLOURS.length];
    datasets.push({
      label: th.textContent.trim(),
      type: series === "line" ? "line" : "bar",
      data: numbers(rows, index),
      backgroundColor: series === "line" ? colour : `${colour}cc`,
      borderColor: colour,
      borderWidth: series === "line" ? 2 : 0,
      pointRadius: rows.length > 60 ? 0 : 2,
      spanGaps: true,
      tension: 0.2,
      order: series === "line" ? 0 : 1,
    });
  });
  if (!datasets.length) return;
  const box = document.createElement("div");
  box.className = `chart-canvas chart-${kind}${kind === "hbar" ? ` rows-${Math.min(rows.length, 20)}` : ""}`;
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${figure.dataset.chartTitle}: chart of the numbers in the table below`);
  box.append(canvas);
  figure.prepend(box);
  const details = figure.querySelector("details.chart-data");
  if (details) details.open = false;
  new Chart(canvas, {
    type: kind === "line" ? "line" : "bar",
    data: { labels, datasets },
    options: {
      indexAxis: kind === "hbar" ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { display: datasets.length > 1 } },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
        y:
          kind === "hbar"
            ? {
                ticks: {
                  autoSkip: false,
                  callback(value) {
                    const room = Math.floor((box.clientWidth * LABEL_SHARE) / CHAR_PX);
                    return shorten(this.getLabelForValue(value), Math.max(8, room));
                  },
                },
              }
            : { beginAtZero: true },
      },
    },
  });
}

const Chart = window.Chart;
if (Chart) {
  document.querySelectorAll("[data-chart]").forEach((figure) => draw(Chart, figure));
}
