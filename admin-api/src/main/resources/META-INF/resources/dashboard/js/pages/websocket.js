// #/websocket: an MQTT client in the browser, over the broker's own WebSocket listener (Eclipse
// Paho JavaScript, MQTT 3.1.1): connect, subscribe, publish, see what arrives.
import { html, nothing } from 'lit';
import { Page, formValues } from '../ui.js';

const MAX_MESSAGES = 200;
let pahoLoaded = null;

/** Paho is a classic script (it sets window.Paho), loaded on first use. */
function loadPaho() {
  if (!pahoLoaded) {
    pahoLoaded = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/webjars/paho-mqtt/paho-mqtt.js';
      s.onload = () => resolve(window.Paho);
      s.onerror = () => reject(new Error('the MQTT client library (/webjars/paho-mqtt) did not load'));
      document.head.append(s);
    });
  }
  return pahoLoaded;
}

// One connection for the whole tab: it survives moving to another page and back.
const state = { clientId: 'dashboard-' + Math.random().toString(16).slice(2, 8), client: null, status: 'disconnected', url: null, subscriptions: [], messages: [], views: new Set() };

function changed() {
  state.views.forEach((v) => v.requestUpdate());
}

class WebSocketClient extends Page {
  connectedCallback() {
    super.connectedCallback();
    state.views.add(this);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    state.views.delete(this);
  }

  defaultUrl() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return localStorage.getItem('kmqtt.ws.url') || `${scheme}://${location.hostname}:8083/mqtt`;
  }

  async connect(e) {
    e.preventDefault();
    const v = formValues(e.target);
    this.error = null;
    let Paho;
    try {
      Paho = await loadPaho();
    } catch (err) {
      this.error = err;
      return;
    }
    localStorage.setItem('kmqtt.ws.url', v.url);
    state.clientId = v.clientid;
    let client;
    try {
      client = new Paho.Client(v.url, v.clientid);
    } catch (err) {
      this.error = new Error(`Not a WebSocket address: ${v.url} (${err.message}). Use ws://host:port/mqtt.`);
      return;
    }
    client.onConnectionLost = (r) => {
      state.status = 'disconnected';
      state.client = null;
      if (r.errorCode !== 0) {
        this.error = new Error(`The connection was lost: ${r.errorMessage}. A kick, a ban or a stopped broker closes it.`);
      }
      changed();
    };
    client.onMessageArrived = (m) => {
      state.messages.unshift({
        at: new Date(), topic: m.destinationName, qos: m.qos, retained: m.retained, bytes: m.payloadBytes,
        text: safeText(m),
      });
      state.messages.length = Math.min(state.messages.length, MAX_MESSAGES);
      changed();
    };
    state.status = 'connecting';
    state.url = v.url;
    changed();
    const options = {
      timeout: 10, keepAliveInterval: Number(v.keepalive || 60), cleanSession: v.clean === 'on', mqttVersion: 4,
      useSSL: v.url.startsWith('wss:'),
      onSuccess: () => { state.client = client; state.status = 'connected'; state.subscriptions = []; changed(); },
      onFailure: (r) => {
        state.status = 'disconnected';
        this.error = new Error(`The broker refused or did not answer (${r.errorMessage || 'code ' + r.errorCode}). `
          + 'Check the address (MQTT_WS_PORT, path /mqtt), the user name and password, and any ban on this client id.');
        changed();
      },
    };
    if (v.username) {
      options.userName = v.username;
      options.password = v.password || '';
    }
    try {
      client.connect(options);
    } catch (err) {
      state.status = 'disconnected';
      this.error = err;
      changed();
    }
  }

  disconnect() {
    try {
      state.client?.disconnect();
    } catch (e) {
      // already closed
    }
    state.client = null;
    state.status = 'disconnected';
    changed();
  }

  subscribe(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const qos = Number(v.qos);
    state.client.subscribe(v.topic, {
      qos,
      onSuccess: (r) => {
        const granted = r.grantedQos?.[0] ?? qos;
        if (granted >= 0x80) {
          this.error = new Error(`The broker refused the subscription to ${v.topic} (not allowed by the ACL?).`);
        } else {
          state.subscriptions = [...state.subscriptions.filter((s) => s.topic !== v.topic), { topic: v.topic, qos: granted }];
          this.notice = `Subscribed to ${v.topic} (granted QoS ${granted}).`;
        }
        changed();
      },
      onFailure: (r) => { this.error = new Error(`Subscribing to ${v.topic} failed: ${r.errorMessage || r.errorCode}`); changed(); },
    });
  }

  unsubscribe(topic) {
    state.client.unsubscribe(topic, {
      onSuccess: () => { state.subscriptions = state.subscriptions.filter((s) => s.topic !== topic); changed(); },
    });
  }

  publish(e) {
    e.preventDefault();
    const v = formValues(e.target);
    try {
      state.client.send(v.topic, v.payload, Number(v.qos), v.retain === 'on');
      this.notice = `Sent to ${v.topic}.`;
      this.error = null;
    } catch (err) {
      this.error = err;
    }
  }

  render() {
    const connected = state.status === 'connected';
    return html`
      <h1>WebSocket client</h1>
      <p class="muted">An MQTT 3.1.1 client running in this browser, connected to the broker's WebSocket listener
        (<code>MQTT_WS_PORT</code>, default 8083, path <code>/mqtt</code>) like any device. It authenticates as an MQTT user, not as you.</p>
      ${this.messages()}
      <form class="card form" id="ws-connect" @submit=${this.connect}>
        <label class="wide">Address <input name="url" required .value=${state.url || this.defaultUrl()} ?disabled=${state.status !== 'disconnected'}></label>
        <label>Client id <input name="clientid" required .value=${state.clientId} ?disabled=${state.status !== 'disconnected'}></label>
        <label>User name <input name="username" autocomplete="off" ?disabled=${state.status !== 'disconnected'}></label>
        <label>Password <input name="password" type="password" autocomplete="off" ?disabled=${state.status !== 'disconnected'}></label>
        <label>Keep alive (s) <input name="keepalive" type="number" min="0" value="60" ?disabled=${state.status !== 'disconnected'}></label>
        <label class="check"><input type="checkbox" name="clean" checked ?disabled=${state.status !== 'disconnected'}> Clean session</label>
        <div class="row">
          <span class="badge ${connected ? 'badge-ok' : state.status === 'connecting' ? 'badge-info' : 'badge-off'}" id="ws-status">${state.status}</span>
          ${state.status === 'disconnected'
            ? html`<button class="btn btn-primary" type="submit" id="ws-connect-button">Connect</button>`
            : html`<button class="btn" type="button" id="ws-disconnect" @click=${() => this.disconnect()}>Disconnect</button>`}
        </div>
      </form>
      ${connected ? this.connectedView() : nothing}`;
  }

  connectedView() {
    return html`
      <div class="split">
        <section class="card">
          <h2>Subscribe</h2>
          <form class="row" id="ws-subscribe" @submit=${this.subscribe}>
            <input name="topic" required placeholder="sensors/#">
            <select name="qos"><option>0</option><option selected>1</option><option>2</option></select>
            <button class="btn" type="submit">Subscribe</button>
          </form>
          <table class="table" style="margin-top:10px"><tbody>
            ${state.subscriptions.map((s) => html`<tr><td class="mono">${s.topic}</td><td>QoS ${s.qos}</td>
              <td class="actions"><button class="btn btn-small" @click=${() => this.unsubscribe(s.topic)}>Unsubscribe</button></td></tr>`)}
          </tbody></table>
        </section>
        <section class="card">
          <h2>Publish</h2>
          <form class="form" id="ws-publish" @submit=${this.publish}>
            <label class="wide">Topic <input name="topic" required></label>
            <label class="wide">Payload <input name="payload"></label>
            <label>QoS <select name="qos"><option>0</option><option selected>1</option><option>2</option></select></label>
            <label class="check"><input type="checkbox" name="retain"> Retain</label>
            <div><button class="btn btn-primary" type="submit">Send</button></div>
          </form>
        </section>
      </div>
      <section class="card">
        <h2>Received <span class="muted small">the last ${MAX_MESSAGES}, newest first</span>
          <button class="btn btn-small" @click=${() => { state.messages = []; changed(); }}>Clear</button></h2>
        <div class="log"><table class="table" id="ws-messages">
          <thead><tr><th>Time</th><th>Topic</th><th>QoS</th><th>Retained</th><th>Payload</th></tr></thead>
          <tbody>${state.messages.map((m) => html`<tr>
            <td>${m.at.toLocaleTimeString('en-GB')}</td><td class="mono">${m.topic}</td><td>${m.qos}</td><td>${m.retained ? 'yes' : ''}</td>
            <td class="mono">${m.text ?? html`<span class="muted">${m.bytes.length} bytes of binary</span>`}</td></tr>`)}
          </tbody></table></div>
      </section>`;
  }
}
customElements.define('kmq-websocket', WebSocketClient);

function safeText(m) {
  try {
    return m.payloadString;
  } catch (e) {
    return null; // not UTF-8
  }
}
