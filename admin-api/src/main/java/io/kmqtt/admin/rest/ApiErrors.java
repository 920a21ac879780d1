package io.kmqtt.admin.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/** Errors as JSON {@code {"message": ...}} with the status that says what went wrong. */
final class ApiErrors {

    private ApiErrors() {
    }

    static WebApplicationException error(int status, String message) {
        return new WebApplicationException(message, Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", message)).build());
    }

    static WebApplicationException notFound(String what) {
        return error(404, what + " not found");
    }

    /** Checks {@code page} and {@code limit}: page from 1, limit from 1 to the configured maximum. */
    static void checkPaging(int page, int limit, int maxLimit) {
        if (page < 1) {
            throw error(400, "page must be 1 or more");
        }
        if (limit < 1 || limit > maxLimit) {
            throw error(400, "limit must be between 1 and " + maxLimit);
        }
    }
}
