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

    /** The connection's write buffer is below its high-water mark: writing more will not pile up in memory. */
    boolean isWritable();

    /** Runs the task (once) when the connection is writable again; a later call replaces an earlier task. */
    void whenWritable(Runnable task);

    /** Writes a packet without flushing it. */
    void write(MqttMessage packet);

    /** Sends what was written. */
    void flush();

    /** The client speaks MQTT 5 (properties, topic aliases, reason codes). */
    boolean isMqtt5();
}
