// #/users?like=: MQTT users of the auth-service (Redis), searched by name prefix; add one.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import { Page, adminOnly, formValues, link, routeQuery, seg, setRouteQuery } from '../ui.js';

class Users extends Page {
  static properties = { like: { state: true }, users: { state: true }, cursor: { state: true }, more: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.like = routeQuery().like || '';
    this.load(false);
  }

  /** The first page of the search, or (more) the next one of the same scan. */
  async load(more) {
    setRouteQuery('/users', { like: this.like });
    const page = await this.attempt(() => api.get('/users', { like: this.like, limit: 50, cursor: more ? this.cursor : undefined }));
    if (!page) {
      return;
    }
    this.users = more ? [...this.users, ...page.data] : page.data;
    this.cursor = page.meta.cursor;
    this.more = page.meta.hasnext;
  }

  search(e) {
    e.preventDefault();
    this.like = formValues(e.target).like.trim();
    this.load(false);
  }

  async add(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const done = await this.attempt(() => api.post('/users', {
      username: v.username.trim(), password: v.password, superuser: v.superuser === 'on',
    }), `User ${v.username} created. Add ACL rules on its page, or it may publish and subscribe nowhere.`);
    if (done) {
      e.target.reset();
      location.hash = `#/users/${seg(v.username.trim())}`;
    }
  }

  render() {
    const users = this.users || [];
    return html`
      <h1>MQTT users</h1>
      ${this.messages()}
      <div class="split">
        <div>
          <form class="filters card" @submit=${this.search}>
            <label>User name starts with <input name="like" .value=${this.like} placeholder="any"></label>
            <button class="btn btn-primary" type="submit">Search</button>
          </form>
          <div class="card">
            <table class="table" id="users">
              <thead><tr><th>User name</th><th>Superuser</th></tr></thead>
              <tbody>
                ${users.map((u) => html`<tr data-username="${u.username}">
                  <td><a class="mono" href="${link('/users/' + seg(u.username))}">${u.username}</a></td>
                  <td>${u.superuser ? html`<span class="badge badge-info">superuser</span>` : ''}</td></tr>`)}
                ${this.users && !users.length && !this.more ? html`<tr><td colspan="2" class="muted">No user matches.</td></tr>` : nothing}
              </tbody>
            </table>
            <div class="table-foot">
              ${this.more ? html`<button class="btn btn-small" @click=${() => this.load(true)} id="more-users">Load more</button>`
                : html`<span class="muted small">${users.length} shown · end of the list</span>`}
            </div>
          </div>
        </div>
        ${adminOnly(html`
          <form class="card form" id="user-form" @submit=${this.add}>
            <h2 class="wide">Add a user</h2>
            <label>User name <input name="username" required autocomplete="off"></label>
            <label>Password <input name="password" type="password" required autocomplete="new-password"></label>
            <label class="check"><input type="checkbox" name="superuser"> Superuser (bypasses the ACL)</label>
            <div><button class="btn btn-primary" type="submit">Create user</button></div>
          </form>`)}
      </div>`;
  }
}
customElements.define('kmq-users', Users);
