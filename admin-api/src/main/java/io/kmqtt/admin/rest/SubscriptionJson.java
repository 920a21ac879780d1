package io.kmqtt.admin.rest;

import io.kmqtt.core.state.ClientRecord;

/** A subscription in the admin API: EMQX's fields ({@code nl} No Local, {@code rap} Retain As Published, {@code rh} Retain Handling). */
public record SubscriptionJson(String clientid, String topic, int qos, String node, int nl, int rap, int rh) {

    static SubscriptionJson of(ClientRecord client, ClientRecord.Subscription s) {
        return new SubscriptionJson(client.clientId(), s.filter(), s.qos(), client.gatewayId(), s.noLocal() ? 1 : 0,
                s.retainAsPublished() ? 1 : 0, s.retainHandling());
    }
}
