package io.kmqtt.auth.rest;

import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Base64;
import java.util.List;

/**
 * The gateways' CONNECT check: POST /api/v1/authenticate. The answer always has status 200 and
 * carries the outcome, so that "the store is down" (UNAVAILABLE) is never mistaken for a refusal.
 */
@Path("/api/v1/authenticate")
public class AuthenticateResource {

    /** The password is base64: MQTT passwords are binary data (MQTT-3.1.3.5). */
    public record Request(String clientId, String username, String password, String peer) {
    }

    public record Rule(String filter, int access) {
    }

    public record Response(String outcome, boolean superuser, List<Rule> rules, boolean allowOnNoMatch, String reason) {
        static Response of(AuthDecision d) {
            return new Response(d.outcome().name(), d.superuser(),
                    d.rules().stream().map(r -> new Rule(r.filter(), r.access())).toList(), d.allowOnNoMatch(), d.reason());
        }
    }

    @Inject
    AuthBackend backend;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> authenticate(Request request) {
        if (!backend.configured()) {
            return Uni.createFrom().item(Response.of(AuthDecision.refuse(AuthDecision.Outcome.UNAVAILABLE,
                    "the auth-service has no credential store configured")));
        }
        byte[] password = request.password() == null ? null : Base64.getDecoder().decode(request.password());
        return Uni.createFrom().completionStage(() -> backend.authenticator().authenticate(
                new AuthRequest(request.clientId(), request.username(), password, request.peer())))
                .map(Response::of);
    }

    static AclRule toRule(Rule r) {
        return new AclRule(r.filter(), r.access());
    }
}
