// #/users/<name>: one MQTT user: superuser flag, password, ACL rules.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import { Page, adminOnly, formValues, link, seg } from '../ui.js';

const ACCESS = { 1: 'subscribe', 2: 'publish', 3: 'publish and subscribe' };

class User extends Page {
  static properties = { param: {}, user: { state: true }, deleted: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  path(suffix = '') {
    return `/users/${seg(this.param)}${suffix}`;
  }

  async load() {
    const user = await this.attempt(() => api.get(this.path()));
    if (user) {
      this.user = user;
    }
  }

  async change(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { superuser: v.superuser === 'on' };
    if (v.password) {
      body.password = v.password;
    }
    const user = await this.attempt(() => api.put(this.path(), body),
      v.password ? 'Password and superuser flag saved. Connected clients keep their session until they reconnect.' : 'Superuser flag saved.');
    if (user) {
      e.target.reset();
      this.user = user;
    }
  }

  async addRule(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const done = await this.attempt(() => api.post(this.path('/acl'), { filter: v.filter.trim(), access: Number(v.access) }),
      `Rule for ${v.filter} saved; it applies from the user's next CONNECT.`);
    if (done) {
      e.target.reset();
      this.load();
    }
  }

  async removeRule(filter) {
    const done = await this.attempt(() => api.del(this.path('/acl'), { filter }), `Rule for ${filter} removed.`);
    if (done !== undefined) {
      this.load();
    }
  }

  async remove() {
    const done = await this.attempt(() => api.del(this.path()), `User ${this.param} deleted.`);
    if (done !== undefined) {
      this.user = null;
      this.deleted = true;
    }
  }

  render() {
    const u = this.user;
    return html`
      <p class="muted"><a href="${link('/users')}">‹ MQTT users</a></p>
      <h1 class="row"><span class="mono">${this.param}</span>
        ${u?.superuser ? html`<span class="badge badge-info">superuser</span>` : nothing}</h1>
      ${this.messages()}
      ${u ? html`
        <div class="split">
          <section class="card">
            <h2>ACL rules <span class="muted small">a topic no rule matches is denied (unless AUTH_ACL_NOMATCH=allow); %u and %c stand for the user name and client id</span></h2>
            <table class="table" id="acl">
              <thead><tr><th>Topic filter</th><th>Access</th><th></th></tr></thead>
              <tbody>
                ${u.acl.map((r) => html`<tr><td class="mono">${r.filter}</td><td>${ACCESS[r.access] || r.access}</td>
                  <td class="actions">${adminOnly(html`<button class="btn btn-small" @click=${() => this.removeRule(r.filter)}>Remove</button>`)}</td></tr>`)}
                ${!u.acl.length ? html`<tr><td colspan="3" class="muted">No rule: ${u.superuser ? 'a superuser needs none.' : 'this user may publish and subscribe nowhere.'}</td></tr>` : nothing}
              </tbody>
            </table>
            ${adminOnly(html`
              <form class="row" style="margin-top:12px" id="rule-form" @submit=${this.addRule}>
                <input name="filter" required placeholder="devices/%u/#">
                <select name="access"><option value="1">subscribe</option><option value="2">publish</option><option value="3" selected>publish and subscribe</option></select>
                <button class="btn" type="submit">Add rule</button>
              </form>`)}
          </section>
          ${adminOnly(html`
            <section class="card">
              <h2>Account</h2>
              <form class="form" id="password-form" @submit=${this.change}>
                <label>New password <input name="password" type="password" autocomplete="new-password" placeholder="unchanged"></label>
                <label class="check"><input type="checkbox" name="superuser" ?checked=${u.superuser}> Superuser</label>
                <div><button class="btn btn-primary" type="submit">Save</button></div>
              </form>
              <div class="row" style="margin-top:20px">
                <kmq-confirm id="delete-user" label="Delete user" confirm="Delete it and its rules?" @confirmed=${() => this.remove()}></kmq-confirm>
              </div>
            </section>`)}
        </div>` : nothing}
      ${this.deleted ? html`<p><a href="${link('/users')}">Back to the users</a></p>` : nothing}`;
  }
}
customElements.define('kmq-user', User);
