// #/publish: POST /api/v1/publish with topic, payload, QoS, retain and MQTT 5 properties.
import { html, nothing } from 'lit';
import * as api from '../api.js';
import { Page, formValues, isAdminNotice } from '../ui.js';

class Publish extends Page {
  static properties = { props: { state: true } };

  constructor() {
    super();
    this.props = [];
  }

  async publish(e) {
    e.preventDefault();
    const v = formValues(e.target);
    const properties = {};
    const user = {};
    this.props.forEach((p) => { if (p.name) user[p.name] = p.value; });
    if (Object.keys(user).length) properties.user_properties = user;
    if (v.content_type) properties.content_type = v.content_type;
    if (v.response_topic) properties.response_topic = v.response_topic;
    if (v.message_expiry_interval) properties.message_expiry_interval = Number(v.message_expiry_interval);
    const body = {
      topic: v.topic.trim(), payload: v.payload, payload_encoding: v.payload_encoding, qos: Number(v.qos),
      retain: v.retain === 'on', properties: Object.keys(properties).length ? properties : undefined,
    };
    await this.attempt(() => api.post('/publish', body),
      `Published to ${body.topic} (QoS ${body.qos}${body.retain ? ', retained' : ''}) at ${new Date().toLocaleTimeString('en-GB')}.`);
  }

  render() {
    return html`
      <h1>Publish</h1>
      ${isAdminNotice()}
      ${this.messages()}
      <form class="card form" id="publish-form" @submit=${this.publish}>
        <label class="wide">Topic <input name="topic" required placeholder="sensors/kitchen/temperature"></label>
        <label class="wide">Payload <textarea name="payload" placeholder="21.5"></textarea></label>
        <label>Payload encoding
          <select name="payload_encoding"><option value="plain">plain text (UTF-8)</option><option value="base64">base64 (binary)</option></select></label>
        <label>QoS <select name="qos"><option>0</option><option selected>1</option><option>2</option></select></label>
        <label class="check"><input type="checkbox" name="retain"> Retain</label>
        <label>Content type <input name="content_type" placeholder="optional, MQTT 5"></label>
        <label>Response topic <input name="response_topic" placeholder="optional, MQTT 5"></label>
        <label>Message expiry (s) <input name="message_expiry_interval" type="number" min="1" placeholder="never"></label>
        <div class="wide">
          <div class="row" style="margin-bottom:6px"><strong>User properties</strong>
            <button class="btn btn-small" type="button" id="add-property" @click=${() => { this.props = [...this.props, { name: '', value: '' }]; }}>Add</button></div>
          ${this.props.map((p, i) => html`
            <div class="row" style="margin-bottom:6px">
              <input placeholder="name" class="prop-name" .value=${p.name} @input=${(e) => { p.name = e.target.value; }}>
              <input placeholder="value" class="prop-value" .value=${p.value} @input=${(e) => { p.value = e.target.value; }}>
              <button class="btn btn-small" type="button" @click=${() => { this.props = this.props.filter((_, j) => j !== i); }}>Remove</button>
            </div>`)}
          ${this.props.length ? nothing : html`<span class="muted small">none</span>`}
        </div>
        <div class="wide"><button class="btn btn-primary" type="submit" id="publish">Publish</button></div>
      </form>`;
  }
}
customElements.define('kmq-publish', Publish);
