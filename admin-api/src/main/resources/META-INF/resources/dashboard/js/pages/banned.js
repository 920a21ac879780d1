// #/banned: bans by client id, user name or address; add and lift them.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import { Page, adminOnly, fmtTime, formValues, pager, routeQuery, setRouteQuery } from '../ui.js';

class Banned extends Page {
  static properties = { result: { state: true }, page: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.page = Number(routeQuery().page || 1);
    this.load();
  }

  async load() {
    setRouteQuery('/banned', { page: this.page > 1 ? this.page : null });
    const result = await this.attempt(() => api.get('/banned', { page: this.page, limit: 100 }));
    if (result) {
      this.result = result;
    }
  }

  async add(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { as: v.as, who: v.who.trim(), reason: v.reason || undefined };
    if (v.until) {
      body.until = new Date(v.until).toISOString();
    }
    const done = await this.attempt(() => api.post('/banned', body),
      `Banned ${body.as} "${body.who}": every gateway refuses its CONNECT within seconds.`);
    if (done) {
      e.target.reset();
      this.load();
    }
  }

  async lift(b) {
    const done = await this.attempt(() => api.del(`/banned/${encodeURIComponent(b.as)}/${encodeURIComponent(b.who)}`),
      `The ban of ${b.as} "${b.who}" was lifted.`);
    if (done !== undefined) {
      this.load();
    }
  }

  render() {
    const rows = this.result?.data || [];
    return html`
      <h1>Bans</h1>
      ${this.messages()}
      ${adminOnly(html`
        <form class="card form" id="ban-form" @submit=${this.add}>
          <label>Ban by
            <select name="as"><option value="clientid">client id</option><option value="username">user name</option>
              <option value="peerhost">address (peer host)</option></select></label>
          <label>Value <input name="who" required placeholder="e.g. device-42"></label>
          <label>Reason <input name="reason" placeholder="optional"></label>
          <label>Until <input name="until" type="datetime-local"></label>
          <div><button class="btn btn-primary" type="submit">Add ban</button></div>
        </form>`)}
      <div class="card">
        <div class="table-head"><span class="muted">Banned clients are refused at CONNECT (MQTT 5: 0x8A, 3.1.1: 0x05).</span>
          ${pager(this.result?.meta, (p) => { this.page = p; this.load(); })}</div>
        <table class="table" id="bans">
          <thead><tr><th>By</th><th>Value</th><th>Reason</th><th>Banned by</th><th>At</th><th>Until</th><th></th></tr></thead>
          <tbody>
            ${rows.map((b) => html`<tr data-who="${b.who}">
              <td>${b.as}</td><td class="mono">${b.who}</td><td>${b.reason ?? ''}</td><td>${b.by}</td>
              <td>${fmtTime(b.at)}</td><td>${b.until ? fmtTime(b.until) : 'for ever'}</td>
              <td class="actions">${adminOnly(html`<kmq-confirm label="Lift" confirm="Lift it?" @confirmed=${() => this.lift(b)}></kmq-confirm>`)}</td>
            </tr>`)}
            ${this.result && !rows.length ? html`<tr><td colspan="7" class="muted">Nobody is banned.</td></tr>` : nothing}
          </tbody>
        </table>
      </div>`;
  }
}
customElements.define('kmq-banned', Banned);
