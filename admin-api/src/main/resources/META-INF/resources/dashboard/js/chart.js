// A live time-series chart (uPlot): the last 15 minutes, fed with samples of GET /api/v1/monitor.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';

const WINDOW_SECONDS = 15 * 60;
const PALETTE = ['#0f766e', '#2563eb', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#65a30d', '#db2777'];

export class LiveChart extends HTMLElement {
  constructor() {
    super();
    this.times = [];
    this.series = new Map(); // label -> values aligned with times
  }

  connectedCallback() {
    this.classList.add('chart');
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this);
  }

  disconnectedCallback() {
    this.resizeObserver?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  /**
   * Adds samples: each has a time (epoch ms) and values by series label. A label seen for the
   * first time gets a series (drops by a reason first counted now); missing values are 0.
   */
  append(samples) {
    let newLabels = false;
    for (const { time, values } of samples) {
      Object.keys(values).forEach((label) => {
        if (!this.series.has(label)) {
          this.series.set(label, this.times.map(() => 0));
          newLabels = true;
        }
      });
      this.times.push(time / 1000);
      this.series.forEach((data, label) => data.push(values[label] ?? 0));
    }
    const cut = this.times.length ? this.times[this.times.length - 1] - WINDOW_SECONDS : 0;
    let drop = 0;
    while (drop < this.times.length && this.times[drop] < cut) {
      drop++;
    }
    if (drop > 0) {
      this.times.splice(0, drop);
      this.series.forEach((data) => data.splice(0, drop));
    }
    this.dataset.points = String(this.times.length);
    this.dataset.last = JSON.stringify(Object.fromEntries([...this.series].map(([l, d]) => [l, d[d.length - 1]])));
    if (!this.plot || newLabels) {
      this.build();
    } else {
      this.plot.setData(this.data());
    }
  }

  data() {
    return [this.times, ...this.series.values()];
  }

  build() {
    this.plot?.destroy();
    const labels = [...this.series.keys()];
    const unit = this.getAttribute('unit') || '';
    const opts = {
      width: Math.max(this.clientWidth, 200),
      height: Number(this.getAttribute('height') || 200),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max * 1.1, 1)] } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#eef0f3' } },
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#eef0f3' }, size: 56,
          values: (u, vals) => vals.map((v) => compact(v) + unit) },
      ],
      series: [{}, ...labels.map((label, i) => ({
        label,
        stroke: PALETTE[i % PALETTE.length],
        fill: labels.length === 1 ? PALETTE[i % PALETTE.length] + '1a' : undefined,
        width: 2,
        points: { show: false },
        value: (u, v) => (v === null || v === undefined ? '–' : compact(v) + unit),
      }))],
    };
    this.plot = new uPlot(opts, this.data(), this);
  }

  resize() {
    if (this.plot && this.clientWidth > 0) {
      this.plot.setSize({ width: this.clientWidth, height: this.plot.height });
    }
  }
}
customElements.define('kmq-chart', LiveChart);

function compact(v) {
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(0) + 'k';
  if (Math.abs(v) >= 1e3) return (v / 1e3).toFixed(1) + 'k';
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
