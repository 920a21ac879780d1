package io.kmqtt.gateway.session;

import io.kmqtt.gateway.handler.Disconnects;
import io.vertx.core.Vertx;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces the keep alive of connections that were told a Server Keep Alive shorter than their
 * own (or given one when they had none): Vert.x times connections out at 1.5 times the keep alive
 * the client sent, which is too lenient for them. Every half second, a watched connection silent
 * for 1.5 times its Server Keep Alive is closed with DISCONNECT 0x8D (MQTT 5.0 section 3.1.2.10).
 */
@ApplicationScoped
public class KeepAliveWatch {

    private static final long CHECK_EVERY_MILLIS = 500;

    private final Vertx vertx;
    /** Watched sessions and their limit of silence in milliseconds. */
    private final Map<ClientSession, Long> watched = new ConcurrentHashMap<>();
    private long timer = -1;

    @Inject
    public KeepAliveWatch(Vertx vertx) {
        this.vertx = vertx;
    }

    public void start() {
        timer = vertx.setPeriodic(CHECK_EVERY_MILLIS, id -> check(System.currentTimeMillis()));
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Watches a connection that was told this Server Keep Alive; its packets must {@link ClientSession#touch} it. */
    public void watch(ClientSession session, int serverKeepAliveSeconds) {
        session.touch();
        watched.put(session, serverKeepAliveSeconds * 1500L);
    }

    public void unwatch(ClientSession session) {
        watched.remove(session);
    }

    void check(long now) {
        watched.forEach((session, limit) -> {
            if (now - session.lastPacketAtMillis() > limit) {
                watched.remove(session);
                session.onLoop(() -> Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.KEEP_ALIVE_TIMEOUT,
                        "no packet for 1.5 times its Server Keep Alive (" + limit / 1500 + " s, mqtt.max-keep-alive)"));
            }
        });
    }
}
