// #/retained?topic_prefix=&page=: retained messages by topic prefix; payload as text or hex; delete.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import {
  Page, adminOnly, base64ToBytes, bytesAsHex, bytesAsText, fmtInt, fmtTime, formValues, pageSizeSelect, pager,
  routeQuery, setRouteQuery,
} from '../ui.js';

class Retained extends Page {
  static properties = {
    query: { state: true }, result: { state: true }, selected: { state: true }, hex: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    const q = routeQuery();
    this.query = { topic_prefix: q.topic_prefix || '', page: Number(q.page || 1), limit: Number(q.limit || 50) };
    this.load();
    if (q.topic) {
      this.open(q.topic);
    }
  }

  async load() {
    setRouteQuery('/retained', { ...this.query, topic: this.selected?.topic });
    const result = await this.attempt(() => api.get('/retained', this.query));
    if (result) {
      this.result = result;
    }
  }

  search(e) {
    e.preventDefault();
    this.query = { ...this.query, ...formValues(e.target), page: 1 };
    this.load();
  }

  async open(topic) {
    const message = await this.attempt(() => api.get('/retained/message', { topic }));
    if (message) {
      const bytes = base64ToBytes(message.payload);
      this.selected = { ...message, bytes, text: bytesAsText(bytes) };
      this.hex = this.selected.text === null;
      setRouteQuery('/retained', { ...this.query, topic });
    }
  }

  async remove(topic) {
    const done = await this.attempt(() => api.del('/retained/message', { topic }), `The retained message on ${topic} was deleted.`);
    if (done !== undefined) {
      this.selected = null;
      this.load();
    }
  }

  render() {
    const q = this.query;
    const rows = this.result?.data || [];
    return html`
      <h1>Retained messages</h1>
      ${this.messages()}
      <form class="filters card" @submit=${this.search}>
        <label>Topic starts with <input name="topic_prefix" .value=${q.topic_prefix} placeholder="e.g. sensors/"></label>
        <button class="btn btn-primary" type="submit">Search</button>
        <button class="btn" type="button" @click=${() => this.load()}>Refresh</button>
      </form>
      <div class="split">
        <div class="card">
          <div class="table-head">
            ${pageSizeSelect(q.limit, (limit) => { this.query = { ...q, limit, page: 1 }; this.load(); })}
            ${pager(this.result?.meta, (page) => { this.query = { ...q, page }; this.load(); })}
          </div>
          <table class="table" id="retained">
            <thead><tr><th>Topic</th><th>QoS</th><th class="num">Size</th><th>Published</th></tr></thead>
            <tbody>
              ${rows.map((m) => html`
                <tr class="${this.selected?.topic === m.topic ? 'selected' : ''}" data-topic="${m.topic}">
                  <td><a href="" class="mono" @click=${(e) => { e.preventDefault(); this.open(m.topic); }}>${m.topic}</a></td>
                  <td>${m.qos}</td><td class="num">${fmtInt(m.payload_size)} B</td><td>${fmtTime(m.publish_at)}</td>
                </tr>`)}
              ${this.result && !rows.length ? html`<tr><td colspan="4" class="muted">No retained message matches.</td></tr>` : nothing}
            </tbody>
          </table>
        </div>
        ${this.selected ? this.detail(this.selected) : html`<div class="card muted">Pick a topic to see its message.</div>`}
      </div>`;
  }

  detail(m) {
    return html`
      <div class="card" id="retained-message">
        <h2><span class="mono">${m.topic}</span>
          ${adminOnly(html`<kmq-confirm id="delete-retained" label="Delete" confirm="Delete it?" @confirmed=${() => this.remove(m.topic)}></kmq-confirm>`)}</h2>
        <dl class="fields">
          <dt>QoS</dt><dd>${m.qos}</dd>
          <dt>Size</dt><dd>${fmtInt(m.payload_size)} bytes</dd>
          <dt>Published by</dt><dd class="mono">${m.from_clientid ?? '–'}</dd>
          <dt>Published at</dt><dd>${fmtTime(m.publish_at)}</dd>
          <dt>Expires</dt><dd>${m.expires_at ? fmtTime(m.expires_at) : 'never'}</dd>
          ${m.properties ? html`<dt>Properties</dt><dd class="mono">${JSON.stringify(m.properties)}</dd>` : nothing}
        </dl>
        <div class="row" style="margin:14px 0 8px">
          <strong>Payload</strong>
          <button class="btn btn-small ${this.hex ? '' : 'btn-primary'}" ?disabled=${m.text === null} @click=${() => { this.hex = false; }}>Text</button>
          <button class="btn btn-small ${this.hex ? 'btn-primary' : ''}" @click=${() => { this.hex = true; }}>Hex</button>
          ${m.text === null ? html`<span class="muted small">not UTF-8 text</span>` : nothing}
        </div>
        <pre class="payload mono" id="payload">${this.hex ? bytesAsHex(m.bytes) : m.text}</pre>
      </div>`;
  }
}
customElements.define('kmq-retained', Retained);
