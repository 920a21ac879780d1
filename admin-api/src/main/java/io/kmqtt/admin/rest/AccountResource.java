package io.kmqtt.admin.rest;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.admin.security.Account;
import io.kmqtt.admin.security.ApiAuthFilter;
import io.kmqtt.admin.security.PasswordHasher;
import io.kmqtt.admin.service.ClusterView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/** The admin API's own credentials: operators ({@code /admins}) and API keys ({@code /api_key}). Administrators only. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "admin credentials")
public class AccountResource {

    public record AdminJson(String username, String password, String role, String description) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ApiKeyJson(String name, String apiKey, String apiSecret, String role, String expiredAt, String createdAt) {
    }

    /** Who is calling: the name of the admin user or API key, and its role. */
    public record WhoAmIJson(String username, String role) {
    }

    @Inject
    ClusterView view;

    @GET
    @Path("/whoami")
    @Operation(summary = "The caller's name and role (administrator or viewer): a client checks its credentials"
            + " with it and learns what it may change")
    public WhoAmIJson whoami(@Context ContainerRequestContext request) {
        return new WhoAmIJson(String.valueOf(request.getProperty(ApiAuthFilter.CALLER)),
                role((Account.Role) request.getProperty(ApiAuthFilter.ROLE)));
    }

    @GET
    @Path("/admins")
    public List<AdminJson> admins() {
        return view.accounts().list(Account.Type.USER).stream()
                .map(a -> new AdminJson(a.name(), null, role(a.role()), a.description())).toList();
    }

    @POST
    @Path("/admins")
    public AdminJson createAdmin(AdminJson body) {
        if (body == null || body.username() == null || body.username().isBlank() || body.username().contains(":")) {
            throw ApiErrors.error(400, "username is required and must not contain ':'");
        }
        checkPassword(body.password());
        if (view.accounts().find(Account.Type.USER, body.username()).isPresent()) {
            throw ApiErrors.error(409, "admin '" + body.username() + "' exists");
        }
        Account a = view.accounts().save(Account.Type.USER, body.username(), body.password(), parseRole(body.role()), 0,
                body.description() == null ? "" : body.description());
        return new AdminJson(a.name(), null, role(a.role()), a.description());
    }

    @PUT
    @Path("/admins/{username}")
    @Operation(summary = "Change an admin's password, role or description")
    public AdminJson updateAdmin(@PathParam("username") String username, AdminJson body) {
        Account existing = view.accounts().find(Account.Type.USER, username)
                .orElseThrow(() -> ApiErrors.notFound("admin '" + username + "'"));
        if (body == null) {
            throw ApiErrors.error(400, "a JSON body with password, role or description is required");
        }
        if (body.password() != null) {
            checkPassword(body.password());
        }
        Account.Role role = body.role() == null ? existing.role() : parseRole(body.role());
        if (existing.role() == Account.Role.ADMINISTRATOR && role != Account.Role.ADMINISTRATOR) {
            requireAnotherAdministrator(username);
        }
        Account a = view.accounts().save(Account.Type.USER, username, body.password(), role, 0,
                body.description() == null ? existing.description() : body.description());
        return new AdminJson(a.name(), null, role(a.role()), a.description());
    }

    @DELETE
    @Path("/admins/{username}")
    public Response deleteAdmin(@PathParam("username") String username) {
        Account existing = view.accounts().find(Account.Type.USER, username)
                .orElseThrow(() -> ApiErrors.notFound("admin '" + username + "'"));
        if (existing.role() == Account.Role.ADMINISTRATOR) {
            requireAnotherAdministrator(username);
        }
        view.accounts().delete(existing);
        return Response.noContent().build();
    }

    @GET
    @Path("/api_key")
    public List<ApiKeyJson> apiKeys() {
        return view.accounts().list(Account.Type.KEY).stream().map(a -> keyJson(a, null)).toList();
    }

    @POST
    @Path("/api_key")
    @Operation(summary = "Create an API key; its secret is in this answer only. Use them as HTTP Basic credentials")
    public ApiKeyJson createApiKey(ApiKeyJson body) {
        if (body == null || body.name() == null || body.name().isBlank()) {
            throw ApiErrors.error(400, "name is required");
        }
        long expires = 0;
        if (body.expiredAt() != null) {
            try {
                expires = Instant.parse(body.expiredAt()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw ApiErrors.error(400, "expired_at must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
            }
        }
        String key = "ak_" + PasswordHasher.randomToken(12);
        String secret = PasswordHasher.randomToken(24);
        Account a = view.accounts().save(Account.Type.KEY, key, secret, parseRole(body.role()), expires, body.name());
        return keyJson(a, secret);
    }

    @DELETE
    @Path("/api_key/{key}")
    public Response deleteApiKey(@PathParam("key") String key) {
        Account existing = view.accounts().find(Account.Type.KEY, key)
                .orElseThrow(() -> ApiErrors.notFound("API key '" + key + "'"));
        view.accounts().delete(existing);
        return Response.noContent().build();
    }

    private void requireAnotherAdministrator(String username) {
        boolean another = view.accounts().list(Account.Type.USER).stream()
                .anyMatch(a -> a.role() == Account.Role.ADMINISTRATOR && !a.name().equals(username));
        if (!another) {
            throw ApiErrors.error(409, "'" + username + "' is the last administrator");
        }
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < 8) {
            throw ApiErrors.error(400, "password must have at least 8 characters");
        }
    }

    private static Account.Role parseRole(String role) {
        if (role == null) {
            return Account.Role.ADMINISTRATOR;
        }
        try {
            return Account.Role.valueOf(role.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiErrors.error(400, "role must be administrator or viewer");
        }
    }

    private static String role(Account.Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    private static ApiKeyJson keyJson(Account a, String secret) {
        return new ApiKeyJson(a.description(), a.name(), secret, role(a.role()),
                a.expiresAt() == 0 ? null : Instant.ofEpochMilli(a.expiresAt()).toString(),
                Instant.ofEpochMilli(a.createdAt()).toString());
    }
}
