package io.kmqtt.mqttbench;

/** The seed report's rows (XMeter sampler names), plus CONNECT and the generic families' rows. */
public enum Sampler {
    Connect(Kind.CONNECT),
    Devicepub(Kind.PUBLISH),
    Devicesub(Kind.RECEIVE),
    Mobilepub(Kind.PUBLISH),
    Mobilesub(Kind.RECEIVE),
    ListenToAllTopics(Kind.RECEIVE),
    Pub(Kind.PUBLISH),
    Sub(Kind.RECEIVE);

    /**
     * CONNECT: response time is CONNECT to CONNACK. PUBLISH: response time is PUBLISH to PUBACK at
     * QoS 1 and 0 at QoS 0 (as the seed's XMeter reported), success means acknowledged (QoS 1) or
     * written (QoS 0). RECEIVE: response time is the end-to-end latency read from the payload's
     * send timestamp, success means received out of expected.
     */
    public enum Kind { CONNECT, PUBLISH, RECEIVE }

    public final Kind kind;

    Sampler(Kind kind) {
        this.kind = kind;
    }
}
