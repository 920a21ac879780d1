// #/clients?clientid_prefix=&username=&node=&conn_state=&page=&limit=: one page of GET /api/v1/clients.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import {
  Page, adminOnly, badge, fmtInt, fmtTime, formValues, link, pageSizeSelect, pager, protocolName, routeQuery, seg,
  setRouteQuery,
} from '../ui.js';

class Clients extends Page {
  static properties = {
    query: { state: true },
    result: { state: true },
    gateways: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    const q = routeQuery();
    this.query = {
      clientid_prefix: q.clientid_prefix || '', username: q.username || '', node: q.node || '',
      conn_state: q.conn_state || '', page: Number(q.page || 1), limit: Number(q.limit || 50),
    };
    this.load();
    api.get('/nodes').then((nodes) => { this.gateways = nodes.filter((n) => n.kind === 'gateway').map((n) => n.node); })
      .catch(() => { this.gateways = []; });
  }

  async load() {
    setRouteQuery('/clients', this.query);
    this.loading = true;
    const result = await this.attempt(() => api.get('/clients', this.query));
    this.loading = false;
    if (result) {
      this.result = result;
    }
  }

  search(e) {
    e.preventDefault();
    this.query = { ...this.query, ...formValues(e.target), page: 1 };
    this.load();
  }

  go(page) {
    this.query = { ...this.query, page };
    this.load();
  }

  async kick(c) {
    const ended = !c.connected;
    const done = await this.attempt(() => api.del(`/clients/${seg(c.clientid)}`),
      ended ? `Session of ${c.clientid} ended.` : `${c.clientid} was disconnected.`);
    if (done !== undefined) {
      // The gateway closes the connection within a second; the listing follows the clients table.
      setTimeout(() => this.load(), 1200);
    }
  }

  render() {
    const q = this.query;
    const rows = this.result?.data || [];
    return html`
      <h1>Clients</h1>
      ${this.messages()}
      <form class="filters card" @submit=${this.search}>
        <label>Client id starts with <input name="clientid_prefix" .value=${q.clientid_prefix} placeholder="any"></label>
        <label>User name <input name="username" .value=${q.username} placeholder="any"></label>
        <label>Node
          <select name="node">
            <option value="">any</option>
            ${(this.gateways || []).map((g) => html`<option value=${g} ?selected=${g === q.node}>${g}</option>`)}
            ${q.node && !(this.gateways || []).includes(q.node) ? html`<option value=${q.node} selected>${q.node}</option>` : nothing}
          </select>
        </label>
        <label>State
          <select name="conn_state">
            <option value="" ?selected=${!q.conn_state}>any</option>
            <option value="connected" ?selected=${q.conn_state === 'connected'}>connected</option>
            <option value="disconnected" ?selected=${q.conn_state === 'disconnected'}>disconnected (session kept)</option>
          </select>
        </label>
        <button class="btn btn-primary" type="submit" id="search">Search</button>
        <button class="btn" type="button" @click=${() => this.load()}>Refresh</button>
      </form>
      <div class="card">
        <div class="table-head">
          ${pageSizeSelect(q.limit, (limit) => { this.query = { ...q, limit, page: 1 }; this.load(); })}
          ${pager(this.result?.meta, (p) => this.go(p))}
        </div>
        <table class="table" id="clients">
          <thead><tr><th>Client id</th><th>User name</th><th>Node</th><th>Address</th><th>Protocol</th>
            <th>State</th><th>Connected at</th><th class="num">Subscriptions</th><th></th></tr></thead>
          <tbody>
            ${rows.map((c) => html`
              <tr data-clientid="${c.clientid}">
                <td><a href="${link('/clients/' + seg(c.clientid))}" class="mono">${c.clientid}</a></td>
                <td>${c.username ?? html`<span class="muted">–</span>`}</td>
                <td>${c.node}</td>
                <td class="mono">${c.ip_address}${c.port ? ':' + c.port : ''}</td>
                <td>${protocolName(c.proto_ver)}</td>
                <td>${badge(c.connected, 'connected', 'disconnected')}</td>
                <td>${fmtTime(c.connected_at)}</td>
                <td class="num">${fmtInt(c.subscriptions_cnt)}</td>
                <td class="actions">${adminOnly(html`<kmq-confirm class="kick" label=${c.connected ? 'Kick' : 'End session'}
                    confirm=${c.connected ? 'Kick?' : 'End it?'} @confirmed=${() => this.kick(c)}></kmq-confirm>`)}</td>
              </tr>`)}
            ${this.result && !rows.length ? html`<tr><td colspan="9" class="muted">No client matches.</td></tr>` : nothing}
          </tbody>
        </table>
        <div class="table-foot">${pager(this.result?.meta, (p) => this.go(p))}</div>
      </div>`;
  }
}
customElements.define('kmq-clients', Clients);
