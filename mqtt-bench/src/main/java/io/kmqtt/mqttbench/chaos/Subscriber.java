package io.kmqtt.mqttbench.chaos;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A subscriber with a persistent session (MQTT 3.1.1 clean session 0), subscribed at QoS 1. It
 * first connects with a clean session to drop whatever an earlier run left under its client id,
 * then for good with clean session 0, and subscribes once; every reconnect resumes the session
 * (Session Present 1). A resume that finds no session counts as a lost session, and the client
 * subscribes again. At the end {@link #discardSession} removes the session from the broker.
 */
final class Subscriber extends ChaosClient {

    private static final int SUBSCRIBE_PACKET_ID = 1;

    private enum Phase { WIPE, PERSISTENT, DISCARD }

    final int index;
    private final List<String> filters;
    private Phase phase = Phase.WIPE;
    private boolean subscribedOnce;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    private CompletableFuture<Void> discarded;

    Subscriber(int index, WorkloadSettings settings, Workload workload, EventLoop loop) {
        super(settings.subscriberId(index), settings, workload, loop, index);
        this.index = index;
        this.filters = settings.filtersOf(index);
    }

    /** Completes once the persistent session has its subscriptions (SUBACK). */
    CompletableFuture<Void> subscribed() {
        return subscribed;
    }

    @Override
    boolean cleanSession() {
        return phase != Phase.PERSISTENT;
    }

    @Override
    void onConnected(Channel ch, boolean sessionPresent) {
        switch (phase) {
            case WIPE -> {
                phase = Phase.PERSISTENT;
                reconnectNow();
            }
            case DISCARD -> {
                reconnectNowThenStop();
            }
            case PERSISTENT -> {
                if (!sessionPresent) {
                    if (subscribedOnce) {
                        workload.sessionLost(this);
                    }
                    var subscribe = MqttMessageBuilders.subscribe().messageId(SUBSCRIBE_PACKET_ID);
                    filters.forEach(f -> subscribe.addSubscription(MqttQoS.AT_LEAST_ONCE, f));
                    ch.writeAndFlush(subscribe.build());
                }
            }
        }
    }

    private void reconnectNowThenStop() {
        stop().whenComplete((v, e) -> discarded.complete(null));
    }

    @Override
    void onSubAck(Channel ch, MqttSubAckMessage ack) {
        if (ack.payload().reasonCodes().stream().anyMatch(code -> code >= 0x80)) {
            subscribed.completeExceptionally(new IllegalStateException(clientId + ": SUBSCRIBE " + filters
                    + " refused: " + ack.payload().reasonCodes() + " (is " + settings.username() + " allowed those topics?)"));
            return;
        }
        subscribedOnce = true;
        subscribed.complete(null);
    }

    @Override
    void onPublish(Channel ch, MqttPublishMessage publish) {
        ChaosPayload payload = ChaosPayload.read(publish.payload());
        workload.delivered(this, publish.variableHeader().topicName(), payload);
        if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            ch.writeAndFlush(new MqttPubAckMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE,
                    false, 2), MqttMessageIdVariableHeader.from(publish.variableHeader().packetId())));
        }
    }

    @Override
    void onPubAck(int packetId) {
    }

    @Override
    void onConnectionLost() {
    }

    /** Connects once more with a clean session, which ends the persistent one on the broker, and disconnects. */
    CompletableFuture<Void> discardSession() {
        discarded = new CompletableFuture<>();
        loop.execute(() -> {
            phase = Phase.DISCARD;
            reconnectNow();
        });
        return discarded;
    }
}
