package io.kmqtt.admin.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.admin.config.AdminConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Asks a gateway, over its HTTP port, for the live figures of one of its clients. */
@ApplicationScoped
public class GatewayCalls {

    private static final Logger LOG = Logger.getLogger(GatewayCalls.class);

    @Inject
    AdminConfig config;
    @Inject
    ObjectMapper json;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The gateway's answer for this client, or empty if it is unreachable, slow or no longer has it. */
    public Optional<JsonNode> clientDetails(String gatewayUrl, String clientId) {
        if (gatewayUrl == null || gatewayUrl.isEmpty()) {
            return Optional.empty();
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/internal/v1/clients/"
                            + URLEncoder.encode(clientId, StandardCharsets.UTF_8).replace("+", "%20")))
                    .timeout(config.gatewayTimeout()).GET().build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? Optional.of(json.readTree(response.body())) : Optional.empty();
        } catch (Exception e) {
            LOG.infof("gateway at %s did not answer about client '%s': %s", gatewayUrl, clientId, e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
    }
}
