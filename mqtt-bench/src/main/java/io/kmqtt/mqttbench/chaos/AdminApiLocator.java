package io.kmqtt.mqttbench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/** Asks the admin API ({@code GET /api/v1/clients/{id}}, its {@code node}) which gateway holds a client. */
public final class AdminApiLocator implements GatewayLocator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** baseUrl without /api/v1, e.g. http://127.0.0.1:20091. */
    public AdminApiLocator(String baseUrl, String user, String password) {
        this.baseUrl = baseUrl;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Optional<String> gatewayOf(String clientId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/clients/"
                        + URLEncoder.encode(clientId, StandardCharsets.UTF_8).replace("+", "%20")))
                .header("Authorization", authorization).timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the admin API answered " + response.statusCode() + " for client " + clientId);
        }
        JsonNode node = JSON.readTree(response.body()).path("node");
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }
}
