package io.kmqtt.gateway.auth;

import io.kmqtt.auth.core.RepeatedWarning;
import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthDecision.Outcome;
import io.kmqtt.core.auth.AuthRequest;
import io.kmqtt.core.auth.Authenticator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Asks the auth-service (POST /api/v1/authenticate), by default over cleartext HTTP/2 with prior
 * knowledge: each CONNECT in flight is one stream, so a burst of CONNECTs queues at the
 * auth-service instead of waiting for one of a few HTTP/1.1 connections (which refused 15 % of a
 * cold cluster's CONNECTs when that wait passed the timeout). Non-blocking; any failure to get an
 * answer within the timeout, waiting included, is "unavailable", never "bad credentials".
 */
public final class RemoteAuthenticator implements Authenticator {

    private static final Logger LOG = Logger.getLogger(RemoteAuthenticator.class);

    private final WebClient client;
    private final URI base;
    private final long timeoutMillis;
    private final RepeatedWarning unavailableWarning = new RepeatedWarning(10_000, System::currentTimeMillis);

    /**
     * @param httpVersion {@code 2} (cleartext, prior knowledge) or {@code 1.1}
     * @param poolSize    HTTP/1.1: connections; HTTP/2: connections the streams are spread over
     */
    public RemoteAuthenticator(Vertx vertx, String serviceUrl, Duration timeout, String httpVersion, int poolSize) {
        this.base = URI.create(serviceUrl);
        this.timeoutMillis = timeout.toMillis();
        WebClientOptions options = new WebClientOptions()
                .setKeepAlive(true)
                .setMaxPoolSize(poolSize)
                .setConnectTimeout((int) Math.min(timeout.toMillis(), 5_000));
        switch (httpVersion) {
            case "2" -> options.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
                    .setHttp2MaxPoolSize(poolSize).setHttp2KeepAliveTimeout(300).setUseAlpn("https".equals(base.getScheme()));
            case "1.1" -> options.setProtocolVersion(HttpVersion.HTTP_1_1);
            default -> throw new IllegalArgumentException("mqtt.auth.http-version must be 2 or 1.1: " + httpVersion);
        }
        this.client = WebClient.create(vertx, options);
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        JsonObject body = new JsonObject()
                .put("clientId", request.clientId())
                .put("username", request.username())
                .put("password", request.password() == null ? null : Base64.getEncoder().encodeToString(request.password()))
                .put("peer", request.peerAddress());
        CompletableFuture<AuthDecision> result = new CompletableFuture<>();
        int port = base.getPort() > 0 ? base.getPort() : ("https".equals(base.getScheme()) ? 443 : 80);
        client.post(port, base.getHost(), "/api/v1/authenticate")
                .ssl("https".equals(base.getScheme()))
                .timeout(timeoutMillis)
                .sendJsonObject(body)
                .onSuccess(response -> {
                    if (response.statusCode() != 200) {
                        result.complete(unavailable("auth-service answered HTTP " + response.statusCode()));
                        return;
                    }
                    try {
                        result.complete(parse(response.bodyAsJsonObject()));
                    } catch (RuntimeException e) {
                        result.complete(unavailable("unreadable answer from auth-service: " + e.getMessage()));
                    }
                })
                .onFailure(error -> result.complete(unavailable("auth-service at " + base + " unreachable: " + error.getMessage())));
        return result;
    }

    private static AuthDecision parse(JsonObject json) {
        Outcome outcome = Outcome.valueOf(json.getString("outcome"));
        List<AclRule> rules = new ArrayList<>();
        JsonArray array = json.getJsonArray("rules", new JsonArray());
        for (int i = 0; i < array.size(); i++) {
            JsonObject rule = array.getJsonObject(i);
            rules.add(new AclRule(rule.getString("filter"), rule.getInteger("access")));
        }
        return new AuthDecision(outcome, json.getBoolean("superuser", false), rules,
                json.getBoolean("allowOnNoMatch", false), json.getString("reason", ""));
    }

    private AuthDecision unavailable(String why) {
        unavailableWarning.warn(LOG, why); // each refused CONNECT is logged at INFO besides
        return AuthDecision.refuse(Outcome.UNAVAILABLE, why);
    }
}
