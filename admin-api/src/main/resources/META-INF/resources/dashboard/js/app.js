// The dashboard's frame: sign-in, the navigation and the hash router (#/clients, #/clients/<id>, ...).
import { LitElement, html, nothing } from 'lit';
import * as api from './api.js';
import './pages/overview.js';
import './pages/clients.js';
import './pages/client.js';
import './pages/subscriptions.js';
import './pages/retained.js';
import './pages/banned.js';
import './pages/users.js';
import './pages/user.js';
import './pages/publish.js';
import './pages/websocket.js';

/** Route → page element; ':x' parts are handed to the page as its `param`. */
const ROUTES = [
  { path: '/overview', tag: 'kmq-overview', nav: 'Overview' },
  { path: '/clients', tag: 'kmq-clients', nav: 'Clients' },
  { path: '/clients/:id', tag: 'kmq-client', navOf: '/clients' },
  { path: '/subscriptions', tag: 'kmq-subscriptions', nav: 'Subscriptions' },
  { path: '/retained', tag: 'kmq-retained', nav: 'Retained' },
  { path: '/banned', tag: 'kmq-banned', nav: 'Bans' },
  { path: '/users', tag: 'kmq-users', nav: 'MQTT users' },
  { path: '/users/:id', tag: 'kmq-user', navOf: '/users' },
  { path: '/publish', tag: 'kmq-publish', nav: 'Publish' },
  { path: '/websocket', tag: 'kmq-websocket', nav: 'WebSocket client' },
];

function match(hash) {
  const path = (hash.replace(/^#/, '').split('?')[0]) || '/overview';
  for (const route of ROUTES) {
    const parts = route.path.split('/');
    const actual = path.split('/');
    if (parts.length !== actual.length) {
      continue;
    }
    let param = null;
    const ok = parts.every((p, i) => {
      if (p.startsWith(':')) {
        param = decodeURIComponent(actual[i]);
        return actual[i].length > 0;
      }
      return p === actual[i];
    });
    if (ok) {
      return { route, param };
    }
  }
  return null;
}

class App extends LitElement {
  static properties = {
    user: { state: true },
    starting: { state: true },
    signInError: { state: true },
    hash: { state: true },
    version: { state: true },
  };

  constructor() {
    super();
    this.starting = true;
    this.hash = location.hash;
    window.addEventListener('hashchange', () => { this.hash = location.hash; });
    api.onSignedOut(() => { this.user = null; });
  }

  createRenderRoot() {
    return this;
  }

  async connectedCallback() {
    super.connectedCallback();
    try {
      this.user = await api.resume();
    } catch (e) {
      this.signInError = e.message;
    }
    this.starting = false;
    this.loadVersion();
  }

  async loadVersion() {
    if (this.user) {
      try {
        this.version = (await api.get('/stats')).version;
      } catch (e) {
        this.version = null;
      }
    }
  }

  render() {
    if (this.starting) {
      return html`<div class="splash">Loading…</div>`;
    }
    return this.user ? this.frame() : this.signInForm();
  }

  signInForm() {
    return html`
      <div class="signin">
        <form class="card signin-card" @submit=${this.submitSignIn}>
          <div class="brand brand-large"><span class="logo"></span>kmqtt</div>
          <p class="muted">Sign in with an admin user of this cluster (or an API key and its secret).</p>
          ${this.signInError ? html`<div class="alert alert-error" role="alert">${this.signInError}</div>` : nothing}
          <label>User name <input name="username" autocomplete="username" required autofocus></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
          <button class="btn btn-primary btn-block" type="submit">Sign in</button>
          <p class="muted small">The first administrator is <code>ADMIN_BOOTSTRAP_USERNAME</code> (default <code>admin</code>);
            without <code>ADMIN_BOOTSTRAP_PASSWORD</code> its password is printed once in the broker's log.
            <a href="" @click=${this.browserSignIn}>Use the browser's sign-in instead</a>.</p>
        </form>
      </div>`;
  }

  async submitSignIn(e) {
    e.preventDefault();
    const data = new FormData(e.target);
    this.signInError = null;
    try {
      this.user = await api.signIn(data.get('username'), data.get('password'));
      this.loadVersion();
    } catch (err) {
      this.signInError = err.status === 401 ? 'Wrong user name or password.' : err.message;
    }
  }

  async browserSignIn(e) {
    e.preventDefault();
    try {
      this.user = await api.signInWithBrowser();
      this.loadVersion();
    } catch (err) {
      this.signInError = err.message;
    }
  }

  frame() {
    const found = match(this.hash);
    const current = found ? (found.route.navOf || found.route.path) : null;
    return html`
      <div class="layout">
        <nav class="sidebar">
          <div class="brand"><span class="logo"></span>kmqtt</div>
          ${ROUTES.filter((r) => r.nav).map((r) => html`
            <a href="#${r.path}" class="nav-link ${current === r.path ? 'active' : ''}" data-nav="${r.path.slice(1)}">${r.nav}</a>`)}
          <div class="sidebar-foot">
            <a href="/q/swagger-ui" target="_blank" rel="noopener">REST API ↗</a>
            ${this.version ? html`<div class="muted">version ${this.version}</div>` : nothing}
          </div>
        </nav>
        <div class="main">
          <header class="topbar">
            <span class="muted">Signed in as <strong id="whoami">${this.user.username}</strong>
              <span class="badge ${this.user.role === 'administrator' ? 'badge-info' : 'badge-off'}" id="role">${this.user.role}</span></span>
            <button class="btn btn-small" id="sign-out" @click=${() => api.signOut()}>Sign out</button>
          </header>
          ${found ? nothing : html`<div class="content"><div class="alert alert-error">No page at ${this.hash}.
            <a href="#/overview">Go to the overview</a>.</div></div>`}
          <main class="content" id="page"></main>
        </div>
      </div>`;
  }

  /**
   * Puts the page of the address into <main>, a fresh element per address so that each page starts
   * from its own URL; the same one while the address stays (a page rewrites its query with
   * replaceState, which is no hashchange). Done by hand, outside Lit's template: the old page and
   * its timers must be gone for sure.
   */
  updated() {
    const host = this.querySelector('#page');
    if (!host) {
      this.pageKey = null;
      return;
    }
    const found = match(this.hash);
    const key = found ? this.hash : null;
    if (this.pageKey === key && host.firstElementChild) {
      return;
    }
    this.pageKey = key;
    if (!found) {
      host.replaceChildren();
      return;
    }
    const page = document.createElement(found.route.tag);
    page.param = found.param;
    host.replaceChildren(page);
  }
}
customElements.define('kmq-app', App);
