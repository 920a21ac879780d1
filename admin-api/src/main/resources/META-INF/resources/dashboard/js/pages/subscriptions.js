// #/subscriptions?view=subscriptions|routes: every subscription, or the routes (filter → gateways).
import { html, nothing } from 'lit';
import * as api from '../api.js';
import {
  Page, formValues, link, pageSizeSelect, pager, routeQuery, seg, setRouteQuery,
} from '../ui.js';

/** $share/<group>/<filter> and $queue/<filter>: the group and the filter. */
function shared(topic) {
  const m = /^\$share\/([^/]+)\/(.*)$/.exec(topic);
  if (m) return { group: m[1], filter: m[2] };
  if (topic.startsWith('$queue/')) return { group: '$queue', filter: topic.slice(7) };
  return null;
}

class Subscriptions extends Page {
  static properties = { query: { state: true }, result: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    const q = routeQuery();
    this.query = {
      view: q.view || 'subscriptions', topic: q.topic || '', clientid: q.clientid || '', node: q.node || '',
      page: Number(q.page || 1), limit: Number(q.limit || 50),
    };
    this.load();
  }

  async load() {
    setRouteQuery('/subscriptions', this.query);
    const { view, ...params } = this.query;
    if (view === 'routes') {
      delete params.clientid;
      delete params.node;
    }
    const result = await this.attempt(() => api.get(view === 'routes' ? '/routes' : '/subscriptions', params));
    if (result) {
      this.result = result;
    }
  }

  show(view) {
    this.result = null;
    this.query = { ...this.query, view, page: 1 };
    this.load();
  }

  search(e) {
    e.preventDefault();
    this.query = { ...this.query, ...formValues(e.target), page: 1 };
    this.load();
  }

  render() {
    const q = this.query;
    const routes = q.view === 'routes';
    return html`
      <h1>Subscriptions and topics</h1>
      <div class="row" style="margin-bottom:12px">
        <button class="btn ${routes ? '' : 'btn-primary'}" @click=${() => this.show('subscriptions')} id="view-subscriptions">Subscriptions</button>
        <button class="btn ${routes ? 'btn-primary' : ''}" @click=${() => this.show('routes')} id="view-routes">Routes by filter</button>
      </div>
      ${this.messages()}
      <form class="filters card" @submit=${this.search}>
        <label>Topic filter (exact) <input name="topic" .value=${q.topic} placeholder="e.g. $share/g1/sensors/#"></label>
        ${routes ? nothing : html`
          <label>Client id <input name="clientid" .value=${q.clientid} placeholder="any"></label>
          <label>Node <input name="node" .value=${q.node} placeholder="any"></label>`}
        <button class="btn btn-primary" type="submit">Search</button>
      </form>
      <div class="card">
        <div class="table-head">
          ${pageSizeSelect(q.limit, (limit) => { this.query = { ...q, limit, page: 1 }; this.load(); })}
          ${pager(this.result?.meta, (page) => { this.query = { ...q, page }; this.load(); })}
        </div>
        ${routes ? this.routesTable() : this.subscriptionsTable()}
      </div>`;
  }

  subscriptionsTable() {
    const rows = this.result?.data || [];
    return html`
      <table class="table" id="subscriptions">
        <thead><tr><th>Client id</th><th>Topic filter</th><th>Shared group</th><th>QoS</th><th>Node</th><th>Options</th></tr></thead>
        <tbody>
          ${rows.map((s) => {
            const share = shared(s.topic);
            return html`<tr>
              <td><a class="mono" href="${link('/clients/' + seg(s.clientid))}">${s.clientid}</a></td>
              <td class="mono">${share ? share.filter : s.topic}</td>
              <td>${share ? html`<span class="badge badge-info">${share.group}</span>` : html`<span class="muted">–</span>`}</td>
              <td>${s.qos}</td><td>${s.node}</td>
              <td class="muted small">${[s.nl ? 'no local' : null, s.rap ? 'retain as published' : null, `retain handling ${s.rh}`].filter(Boolean).join(' · ')}</td>
            </tr>`;
          })}
          ${this.result && !rows.length ? html`<tr><td colspan="6" class="muted">No subscription matches.</td></tr>` : nothing}
        </tbody>
      </table>`;
  }

  routesTable() {
    const rows = this.result?.data || [];
    return html`
      <table class="table" id="routes">
        <thead><tr><th>Topic filter</th><th>Shared group</th><th>Gateways with subscribers</th></tr></thead>
        <tbody>
          ${rows.map((r) => {
            const share = shared(r.topic);
            return html`<tr>
              <td class="mono"><a href="#/subscriptions?topic=${encodeURIComponent(r.topic)}">${share ? share.filter : r.topic}</a></td>
              <td>${share ? html`<span class="badge badge-info">${share.group}</span>` : html`<span class="muted">–</span>`}</td>
              <td>${r.nodes.join(', ')}</td>
            </tr>`;
          })}
          ${this.result && !rows.length ? html`<tr><td colspan="3" class="muted">No route matches.</td></tr>` : nothing}
        </tbody>
      </table>`;
  }
}
customElements.define('kmq-subscriptions', Subscriptions);
