// #/overview: the cluster's figures, live charts of the last 15 minutes, and every node.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import { Page, fmtInt, fmtRate, fmtDuration, fmtTime } from '../ui.js';
import '../chart.js';

const REFRESH_MS = 5000;

class Overview extends Page {
  static properties = {
    stats: { state: true },
    nodes: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    this.lastSample = 0;
    this.refresh();
    this.every(REFRESH_MS, () => this.refresh());
  }

  async refresh() {
    await this.attempt(async () => {
      const [stats, nodes, samples] = await Promise.all([
        api.get('/stats'), api.get('/nodes'), api.get('/monitor', this.lastSample ? { since: this.lastSample } : {}),
      ]);
      this.stats = stats;
      this.nodes = nodes;
      await this.updateComplete;
      this.plot(samples);
    });
  }

  plot(samples) {
    if (!samples.length) {
      return;
    }
    this.lastSample = samples[samples.length - 1].time_stamp;
    this.querySelector('#chart-connections')?.append(samples.map((s) => ({
      time: s.time_stamp, values: { connections: s.connections },
    })));
    this.querySelector('#chart-messages')?.append(samples.map((s) => ({
      time: s.time_stamp, values: { 'in /s': s.messages_in_rate, 'out /s': s.messages_out_rate },
    })));
    this.querySelector('#chart-drops')?.append(samples.map((s) => {
      const reasons = s.dropped_rates || {};
      // Gateways that report no reasons still show their total.
      const values = Object.keys(reasons).length ? { ...reasons } : { 'all reasons': s.messages_dropped_rate };
      return { time: s.time_stamp, values };
    }));
  }

  render() {
    const s = this.stats;
    return html`
      <h1>Overview</h1>
      ${this.messages()}
      <section class="tiles">
        ${tile('Connections', fmtInt(s?.connections), 'tile-connections')}
        ${tile('Sessions', fmtInt(s?.sessions), 'tile-sessions')}
        ${tile('Subscriptions', fmtInt(s?.subscriptions), 'tile-subscriptions')}
        ${tile('Topics (filters)', fmtInt(s?.topics), 'tile-topics')}
        ${tile('Retained messages', fmtInt(s?.retained), 'tile-retained')}
        ${tile('Messages in /s', fmtRate(s?.messages_in_rate), 'tile-in')}
        ${tile('Messages out /s', fmtRate(s?.messages_out_rate), 'tile-out')}
        ${tile('Dropped (total)', fmtInt(s?.messages_dropped), 'tile-dropped')}
      </section>
      <section class="charts">
        <div class="card"><h2>Connections</h2><kmq-chart id="chart-connections"></kmq-chart></div>
        <div class="card"><h2>Messages per second</h2><kmq-chart id="chart-messages"></kmq-chart></div>
        <div class="card"><h2>Drops per second, by reason</h2><kmq-chart id="chart-drops"></kmq-chart></div>
      </section>
      <section class="card">
        <h2>Nodes
          ${s ? html`<span class="muted small">${s.gateways_running} gateway(s) and ${s.routers_running} router(s) running
            · version ${s.version}</span>` : nothing}</h2>
        <table class="table" id="nodes">
          <thead><tr><th>Node</th><th>Kind</th><th>Status</th><th>Uptime</th><th>Started</th>
            <th class="num">Connections</th><th class="num">In /s</th><th class="num">Out /s</th></tr></thead>
          <tbody>
            ${(this.nodes || []).map((n) => html`
              <tr data-node="${n.node}">
                <td><strong>${n.node}</strong></td>
                <td>${n.kind}</td>
                <td><span class="badge ${n.status === 'running' ? 'badge-ok' : 'badge-error'}">${n.status}</span></td>
                <td>${fmtDuration(n.uptime_seconds)}</td>
                <td>${fmtTime(n.started_at)}</td>
                <td class="num">${n.kind === 'gateway' ? fmtInt(n.connections) : '–'}</td>
                <td class="num">${fmtRate(n.messages_in_rate)}</td>
                <td class="num">${fmtRate(n.messages_out_rate)}</td>
              </tr>`)}
            ${this.nodes && !this.nodes.length ? html`<tr><td colspan="8" class="muted">No node has reported yet.</td></tr>` : nothing}
          </tbody>
        </table>
      </section>`;
  }
}
customElements.define('kmq-overview', Overview);

function tile(label, value, id) {
  return html`<div class="tile" id="${id}"><div class="tile-value">${value}</div><div class="tile-label">${label}</div></div>`;
}
