package io.kmqtt.auth;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** What this service is and which parts of it exist yet. */
@Path("/api/v1/info")
public class ServiceInfoResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> info() {
        return Map.of("service", "auth-service", "authentication", "not implemented yet");
    }
}
