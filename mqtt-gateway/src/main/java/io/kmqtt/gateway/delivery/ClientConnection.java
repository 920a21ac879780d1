package io.kmqtt.gateway.delivery;

import io.netty.handler.codec.mqtt.MqttMessage;

/**
 * What a session's outbound flow needs from its client's connection: a thread to run on, and
 * writes that are flushed once per batch instead of once per packet.
 *
 * <p>Everything but {@link #execute} is called on the connection's event loop only.
 */
public interface ClientConnection {

    /** Runs the task on the connection's event loop, after what is already queued there. Any thread. */
    void execute(Runnable task);

    /** The connection can still be written to. */
    boolean isOpen();

    /**
     * The connection's write buffer is below its high-water mark. While it is not, QoS 0 messages no
     * longer pass QoS 1 and 2 messages waiting for the window: they queue, bounded, like those.
     */
    boolean isWritable();

    /** Writes a packet without flushing it. */
    void write(MqttMessage packet);

    /** Sends what was written. */
    void flush();

    /** The client speaks MQTT 5 (properties, topic aliases, reason codes). */
    boolean isMqtt5();
}
