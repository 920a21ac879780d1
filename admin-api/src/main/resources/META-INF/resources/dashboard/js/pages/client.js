// #/clients/<client id>: one client's connection, session, subscriptions and drops.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import {
  Page, adminOnly, badge, fmtDuration, fmtInt, fmtTime, formValues, link, protocolName, seg,
} from '../ui.js';

class Client extends Page {
  static properties = {
    param: {},
    client: { state: true },
    subscriptions: { state: true },
    gone: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    this.load();
    this.every(5000, () => { if (!this.gone) this.load(); });
  }

  path(suffix = '') {
    return `/clients/${seg(this.param)}${suffix}`;
  }

  async load() {
    try {
      const [client, subscriptions] = await Promise.all([api.get(this.path()), api.get(this.path('/subscriptions'))]);
      this.client = client;
      this.subscriptions = subscriptions;
      this.error = null;
    } catch (e) {
      this.error = e;
      this.gone = e.status === 404;
    }
  }

  async kick() {
    const connected = this.client?.connected;
    await this.attempt(() => api.del(this.path()), connected
      ? `${this.param} was disconnected. A persistent session stays, listed as disconnected.`
      : `The session of ${this.param} was ended.`);
    setTimeout(() => this.load(), 1200);
  }

  async subscribe(e) {
    e.preventDefault();
    const v = formValues(e.target);
    await this.attempt(() => api.post(this.path('/subscribe'), { topic: v.topic, qos: Number(v.qos) }),
      `Subscribed ${this.param} to ${v.topic}.`);
    setTimeout(() => this.load(), 800);
  }

  async unsubscribe(topic) {
    await this.attempt(() => api.post(this.path('/unsubscribe'), { topic }), `Unsubscribed from ${topic}.`);
    setTimeout(() => this.load(), 800);
  }

  render() {
    const c = this.client;
    return html`
      <p class="muted"><a href="${link('/clients')}">‹ Clients</a></p>
      <h1 class="row"><span class="mono">${this.param}</span> ${c ? badge(c.connected, 'connected', 'disconnected') : nothing}</h1>
      ${this.messages()}
      ${c ? this.details(c) : nothing}`;
  }

  details(c) {
    const dropped = c.dropped && Object.keys(c.dropped).length ? c.dropped : null;
    return html`
      <div class="split">
        <section class="card">
          <h2>Connection
            ${adminOnly(html`<kmq-confirm id="kick" label=${c.connected ? 'Kick' : 'End session'}
              confirm=${c.connected ? 'Kick it?' : 'End it?'} @confirmed=${() => this.kick()}></kmq-confirm>`)}</h2>
          <dl class="fields" id="client-fields">
            <dt>User name</dt><dd>${c.username ?? '–'}</dd>
            <dt>Node</dt><dd>${c.node}</dd>
            <dt>Address</dt><dd class="mono" id="address">${c.ip_address}${c.port ? ':' + c.port : ''}</dd>
            <dt>Protocol</dt><dd id="protocol">${protocolName(c.proto_ver)}</dd>
            <dt>Keep alive</dt><dd id="keepalive">${c.keepalive ? c.keepalive + ' s' : 'off'}</dd>
            <dt>Clean start</dt><dd>${c.clean_start ? 'yes' : 'no'}</dd>
            <dt>Session expiry</dt><dd id="expiry">${c.expiry_interval ? fmtDuration(c.expiry_interval) : 'at disconnect'}</dd>
            <dt>Connected at</dt><dd>${fmtTime(c.connected_at)}</dd>
            ${c.disconnected_at ? html`<dt>Disconnected at</dt><dd>${fmtTime(c.disconnected_at)}</dd>` : nothing}
          </dl>
        </section>
        <section class="card">
          <h2>Session</h2>
          <dl class="fields">
            <dt>Subscriptions</dt><dd>${fmtInt(c.subscriptions_cnt)}</dd>
            <dt>In flight</dt><dd id="inflight">${c.inflight_cnt ?? html`<span class="muted">${c.connected ? 'its gateway did not answer' : '–'}</span>`}</dd>
            <dt>Queued</dt><dd id="queued">${c.mqueue_len ?? '–'}</dd>
          </dl>
          <h2 style="margin-top:16px">Dropped messages</h2>
          ${dropped ? html`
            <table class="table" id="drops"><thead><tr><th>Reason</th><th class="num">Messages</th></tr></thead>
              <tbody>${Object.entries(dropped).map(([reason, n]) => html`<tr><td>${reason}</td><td class="num">${fmtInt(n)}</td></tr>`)}</tbody>
            </table>` : html`<p class="muted" id="drops">None counted for this client.</p>`}
        </section>
      </div>
      <section class="card">
        <h2>Subscriptions</h2>
        <table class="table" id="subscriptions">
          <thead><tr><th>Topic filter</th><th>QoS</th><th>No local</th><th>Retain as published</th><th>Retain handling</th><th></th></tr></thead>
          <tbody>
            ${(this.subscriptions || []).map((s) => html`<tr>
              <td class="mono">${s.topic}</td><td>${s.qos}</td><td>${s.nl ? 'yes' : 'no'}</td><td>${s.rap ? 'yes' : 'no'}</td><td>${s.rh}</td>
              <td class="actions">${c.connected ? adminOnly(html`<button class="btn btn-small" @click=${() => this.unsubscribe(s.topic)}>Unsubscribe</button>`) : nothing}</td>
            </tr>`)}
            ${this.subscriptions && !this.subscriptions.length ? html`<tr><td colspan="6" class="muted">No subscription.</td></tr>` : nothing}
          </tbody>
        </table>
        ${c.connected ? adminOnly(html`
          <form class="row" style="margin-top:12px" @submit=${this.subscribe}>
            <input name="topic" placeholder="topic/filter/#" required>
            <select name="qos"><option>0</option><option selected>1</option><option>2</option></select>
            <button class="btn" type="submit">Subscribe on its behalf</button>
          </form>`) : nothing}
      </section>`;
  }
}
customElements.define('kmq-client', Client);
