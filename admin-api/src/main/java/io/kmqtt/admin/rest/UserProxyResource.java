package io.kmqtt.admin.rest;

import io.kmqtt.admin.config.AdminConfig;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * MQTT users and their ACL rules: {@code /api/v1/users/...} is forwarded as it is to the
 * auth-service, which owns them in Redis (see its UserResource for the API). Disabled in the
 * standalone broker, where the auth-service's own resource answers on the same port.
 */
@Path("/api/v1/users")
@Tag(name = "MQTT users and ACL rules")
@EndpointDisabled(name = "admin.users-proxy.enabled", stringValue = "false")
public class UserProxyResource {

    @Inject
    AdminConfig config;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    @GET
    @Operation(summary = "Forwarded to the auth-service")
    public Response getRoot(@Context UriInfo uri) {
        return forward("GET", uri, null);
    }

    @GET
    @Path("{path: .+}")
    public Response get(@Context UriInfo uri) {
        return forward("GET", uri, null);
    }

    @POST
    public Response postRoot(@Context UriInfo uri, String body) {
        return forward("POST", uri, body);
    }

    @POST
    @Path("{path: .+}")
    public Response post(@Context UriInfo uri, String body) {
        return forward("POST", uri, body);
    }

    @PUT
    @Path("{path: .+}")
    public Response put(@Context UriInfo uri, String body) {
        return forward("PUT", uri, body);
    }

    @DELETE
    @Path("{path: .+}")
    public Response delete(@Context UriInfo uri) {
        return forward("DELETE", uri, null);
    }

    private Response forward(String method, UriInfo uri, String body) {
        String base = config.authServiceUrl().orElseThrow(() ->
                ApiErrors.error(503, "MQTT users live in the auth-service: set ADMIN_AUTH_SERVICE_URL"));
        String target = base + uri.getRequestUri().getRawPath()
                + (uri.getRequestUri().getRawQuery() == null ? "" : "?" + uri.getRequestUri().getRawQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", MediaType.APPLICATION_JSON)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return Response.status(response.statusCode()).type(MediaType.APPLICATION_JSON)
                    .entity(response.body().isEmpty() ? null : response.body()).build();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw ApiErrors.error(502, "the auth-service at " + base + " did not answer: " + e.getMessage());
        }
    }
}
