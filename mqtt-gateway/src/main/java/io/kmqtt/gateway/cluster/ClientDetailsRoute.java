package io.kmqtt.gateway.cluster;

import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.SessionRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * {@code GET /internal/v1/clients/{clientId}} on the gateway's HTTP port: the live figures of a
 * client connected here that the clients table does not carry (in-flight messages, queue length).
 * The admin API calls it for {@code GET /api/v1/clients/{id}}. Read-only, like the metrics on the
 * same port; keep that port inside the cluster network.
 */
@ApplicationScoped
public class ClientDetailsRoute {

    @Inject
    SessionRegistry sessions;

    void register(@Observes Router router) {
        router.get("/internal/v1/clients/:clientId").handler(ctx -> {
            ClientSession session = sessions.get(ctx.pathParam("clientId"));
            if (session == null) {
                ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("message", "client is not connected to this gateway").encode());
                return;
            }
            JsonObject body = new JsonObject()
                    .put("clientid", session.clientId())
                    .put("connected_at", session.connectedAtMillis())
                    .put("inflight_cnt", session.outbound().inflightCount())
                    .put("mqueue_len", session.outbound().queueLength())
                    .put("behind_cnt", session.outbound().behindCount())
                    .put("subscriptions_cnt", session.subscriptions().size());
            JsonObject dropped = new JsonObject();
            session.drops().forEach((reason, count) -> dropped.put(reason.name().toLowerCase(java.util.Locale.ROOT), count));
            body.put("dropped", dropped);
            ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
        });
    }
}
