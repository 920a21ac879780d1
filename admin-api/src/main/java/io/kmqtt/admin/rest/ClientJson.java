package io.kmqtt.admin.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.admin.state.ClientDirectory;
import io.kmqtt.core.state.ClientRecord;

import java.time.Instant;

/**
 * A client in the admin API, with EMQX's field names. The live figures (in flight, queued, behind
 * in the delivery channel, dropped by reason) come from its gateway, when asked for one client.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientJson(
        String clientid,
        String username,
        String node,
        String ipAddress,
        Integer port,
        boolean connected,
        String connectedAt,
        String disconnectedAt,
        int protoVer,
        int keepalive,
        boolean cleanStart,
        long expiryInterval,
        int subscriptionsCnt,
        Integer inflightCnt,
        Integer mqueueLen,
        Integer behindCnt,
        java.util.Map<String, Long> dropped) {

    /** What the client's gateway says of it now. */
    record Live(Integer inflight, Integer queued, Integer behind, java.util.Map<String, Long> dropped) {
        static final Live UNKNOWN = new Live(null, null, null, null);
    }

    static ClientJson of(ClientDirectory.Client client, Live live) {
        ClientRecord r = client.record();
        String peer = r.peer();
        int colon = peer.lastIndexOf(':');
        String host = colon > 0 ? peer.substring(0, colon) : peer;
        Integer port = null;
        if (colon > 0) {
            try {
                port = Integer.parseInt(peer.substring(colon + 1));
            } catch (NumberFormatException e) {
                host = peer;
            }
        }
        return new ClientJson(r.clientId(), r.username(), r.gatewayId(), host, port, client.connected(),
                Instant.ofEpochMilli(r.connectedAtMillis()).toString(),
                r.disconnectedAtMillis() == 0 ? null : Instant.ofEpochMilli(r.disconnectedAtMillis()).toString(),
                r.protocolVersion(), r.keepAliveSeconds(), r.cleanStart(), r.sessionExpirySeconds(),
                r.subscriptions().size(), live.inflight(), live.queued(), live.behind(), live.dropped());
    }
}
