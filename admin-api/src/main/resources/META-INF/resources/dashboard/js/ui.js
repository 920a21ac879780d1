// Pieces every page uses: the page base class, the route's query, paging, errors, formatting.
import { LitElement, html, nothing } from 'lit';
import { isAdmin } from './api.js';

/** A page: rendered into the light DOM so that app.css styles it; re-read on every route change. */
export class Page extends LitElement {
  static properties = {
    error: { state: true },
    notice: { state: true },
    loading: { state: true },
  };

  createRenderRoot() {
    return this;
  }

  /**
   * Runs fn; its failure becomes the page's error message, its success clears it. An action (one
   * with a success notice) replaces the previous notice; a reload keeps it.
   */
  async attempt(fn, successNotice) {
    this.error = null;
    if (successNotice) {
      this.notice = null;
    }
    try {
      const result = await fn();
      if (successNotice) {
        this.notice = successNotice;
      }
      return result;
    } catch (e) {
      this.error = e;
      return undefined;
    }
  }

  messages() {
    return html`
      ${this.error ? html`<div class="alert alert-error" role="alert" data-status="${this.error.status ?? ''}">${this.error.message}</div>` : nothing}
      ${this.notice ? html`<div class="alert alert-ok" role="status">${this.notice}</div>` : nothing}`;
  }

  /** Polls fn every ms while the page is shown. */
  every(ms, fn) {
    this._timers = this._timers || [];
    this._timers.push(setInterval(() => { if (this.isConnected) fn(); }, ms));
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    (this._timers || []).forEach(clearInterval);
    this._timers = [];
  }
}

/** The query part of the hash route (#/clients?page=2) as an object. */
export function routeQuery() {
  const hash = location.hash || '';
  const q = hash.indexOf('?');
  return q < 0 ? {} : Object.fromEntries(new URLSearchParams(hash.slice(q + 1)));
}

/** Replaces the route's query, so that a bookmark or a reload keeps the search. */
export function setRouteQuery(path, query) {
  const params = new URLSearchParams();
  Object.entries(query).forEach(([k, v]) => {
    if (v !== undefined && v !== null && v !== '') {
      params.set(k, v);
    }
  });
  const s = params.toString();
  history.replaceState(null, '', `#${path}${s ? '?' + s : ''}`);
}

export function link(path) {
  return `#${path}`;
}

/** Path segment for a client id, user name...: anything may appear in them. */
export function seg(value) {
  return encodeURIComponent(value);
}

/** EMQX-style pages: prev/next and where we are. meta = {page, limit, count, hasnext}. */
export function pager(meta, go) {
  if (!meta) {
    return nothing;
  }
  const pages = Math.max(1, Math.ceil(meta.count / meta.limit));
  return html`
    <div class="pager">
      <span class="muted">${fmtInt(meta.count)} in all · page ${meta.page} of ${fmtInt(pages)}</span>
      <button class="btn btn-small" ?disabled=${meta.page <= 1} @click=${() => go(meta.page - 1)}>‹ Previous</button>
      <button class="btn btn-small" ?disabled=${!meta.hasnext} @click=${() => go(meta.page + 1)}>Next ›</button>
    </div>`;
}

export function pageSizeSelect(value, onChange) {
  return html`
    <label class="inline">Per page
      <select @change=${(e) => onChange(Number(e.target.value))}>
        ${[25, 50, 100, 500].map((n) => html`<option value=${n} ?selected=${n === value}>${n}</option>`)}
      </select>
    </label>`;
}

/** A button that asks for a second click before doing something that cannot be undone. */
export class ConfirmButton extends LitElement {
  static properties = {
    label: {}, confirm: {}, armed: { state: true }, busy: { state: true },
  };

  createRenderRoot() {
    return this;
  }

  render() {
    return html`<button class="btn btn-small ${this.armed ? 'btn-danger' : 'btn-outline-danger'}" ?disabled=${this.busy}
        @click=${this.clicked}>${this.armed ? (this.confirm || 'Sure?') : this.label}</button>`;
  }

  async clicked(e) {
    e.stopPropagation();
    if (!this.armed) {
      this.armed = true;
      this._disarm = setTimeout(() => { this.armed = false; }, 4000);
      return;
    }
    clearTimeout(this._disarm);
    this.armed = false;
    this.busy = true;
    try {
      this.dispatchEvent(new CustomEvent('confirmed', { bubbles: true, composed: true }));
    } finally {
      this.busy = false;
    }
  }
}
customElements.define('kmq-confirm', ConfirmButton);

/** Only for administrators: a viewer sees no button it could not use. */
export function adminOnly(template) {
  return isAdmin() ? template : nothing;
}

export function fmtInt(n) {
  return n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US');
}

export function fmtRate(n) {
  if (n === undefined || n === null) {
    return '–';
  }
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n).toFixed(1);
}

export function fmtTime(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  return d.toLocaleString('sv-SE').replace('T', ' '); // 2026-12-04 15:02:11, sorts and reads the same everywhere
}

export function fmtDuration(seconds) {
  if (seconds === undefined || seconds === null) {
    return '–';
  }
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function protocolName(v) {
  return { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5.0' }[v] || `v${v}`;
}

export function badge(ok, yes, no) {
  return html`<span class="badge ${ok ? 'badge-ok' : 'badge-off'}">${ok ? yes : no}</span>`;
}

/** Bytes as text when they are UTF-8 without control characters, else null. */
export function bytesAsText(bytes) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? null : text;
  } catch (e) {
    return null;
  }
}

export function bytesAsHex(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.slice(i, i + 16));
    const hex = row.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function base64ToBytes(b64) {
  const binary = atob(b64 || '');
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** Tells a viewer that this page's actions are not theirs. */
export function isAdminNotice() {
  return isAdmin() ? nothing : html`<div class="alert alert-info">You are signed in as a viewer: you may look, not change.</div>`;
}
