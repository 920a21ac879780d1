package io.kmqtt.core.bus;

import java.util.Objects;

/**
 * One run of one gateway. The id is stable across restarts (it names the gateway's delivery
 * channel); the incarnation is new at every start, so that routes left by a crashed run can be
 * told apart from the routes of the run that replaced it.
 */
public record GatewayRef(String id, String incarnation) {

    public GatewayRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(incarnation, "incarnation");
    }

    @Override
    public String toString() {
        return id + "/" + incarnation;
    }
}
