package io.kmqtt.core.message;

import java.util.Arrays;
import java.util.Objects;

/**
 * Identifies one published message across the copies of it that travel the cluster (decoded
 * separately, so not the same object): the gateway that accepted it, when, from whom, on which
 * topic, with which payload. Used to send a message once when two paths delivered it (a session
 * moving between gateways, a dead gateway's unread deliveries).
 */
public final class MessageKey {

    private final Envelope message;
    private final int hash;

    private MessageKey(Envelope message) {
        this.message = message;
        this.hash = Objects.hash(message.createdAtMillis(), message.topic(), message.publisherId(), message.originGateway())
                * 31 + Arrays.hashCode(message.payload());
    }

    public static MessageKey of(Envelope message) {
        return new MessageKey(message);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MessageKey other)) {
            return false;
        }
        Envelope a = message;
        Envelope b = other.message;
        return hash == other.hash && a.createdAtMillis() == b.createdAtMillis() && a.topic().equals(b.topic())
                && a.publisherId().equals(b.publisherId()) && a.originGateway().equals(b.originGateway())
                && Arrays.equals(a.payload(), b.payload());
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
