package io.kmqtt.admin.rest;

import io.kmqtt.admin.config.AdminConfig;
import io.kmqtt.admin.security.ApiAuthFilter;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.state.Page;
import io.kmqtt.core.state.BanRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.TimeUnit;

/**
 * Banned client ids, usernames and peer addresses, as in EMQX 5: {@code as} is clientid, username
 * or peerhost, {@code who} the value, {@code until} an ISO-8601 instant (absent: never expires).
 * Every gateway refuses a matching CONNECT within seconds (MQTT 5 0x8A, 3.1.1 0x05).
 */
@Path("/api/v1/banned")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "banned")
public class BannedResource {

    public record BanJson(String as, String who, String reason, String by, String at, String until) {
        static BanJson of(BanRecord b) {
            return new BanJson(b.kind().apiName(), b.value(), b.reason(), b.by(), Instant.ofEpochMilli(b.atMillis()).toString(),
                    b.untilMillis() == 0 ? null : Instant.ofEpochMilli(b.untilMillis()).toString());
        }
    }

    @Inject
    ClusterView view;
    @Inject
    AdminConfig config;

    @GET
    public Page<BanJson> list(@QueryParam("page") @DefaultValue("1") int page,
                              @QueryParam("limit") @DefaultValue("100") int limit) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        Page.Builder<BanJson> builder = new Page.Builder<>(page, limit);
        long now = System.currentTimeMillis();
        view.bans().entries().values().forEach(b -> {
            if (b.inForce(now)) {
                builder.offer(BanJson.of(b));
            }
        });
        return builder.build();
    }

    @POST
    @Operation(summary = "Ban a client id, username or peer address until a time (or for ever)")
    public BanJson ban(BanJson body, @Context ContainerRequestContext request) {
        if (body == null || body.as() == null || body.who() == null || body.who().isEmpty()) {
            throw ApiErrors.error(400, "as and who are required");
        }
        BanRecord.Kind kind;
        try {
            kind = BanRecord.Kind.fromApiName(body.as());
        } catch (IllegalArgumentException e) {
            throw ApiErrors.error(400, "as " + e.getMessage());
        }
        long now = System.currentTimeMillis();
        long until = 0;
        if (body.until() != null) {
            try {
                until = Instant.parse(body.until()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw ApiErrors.error(400, "until must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
            }
            if (until <= now) {
                throw ApiErrors.error(400, "until is in the past");
            }
        }
        BanRecord ban = new BanRecord(kind, body.who(), body.reason(), String.valueOf(request.getProperty(ApiAuthFilter.CALLER)),
                now, until);
        write(() -> view.banTable().put(ban.key(), ban.encode()).toCompletableFuture().get(10, TimeUnit.SECONDS));
        view.bans().onPut(ban.key(), ban.encode()); // visible here at once, before the table echoes it
        return BanJson.of(ban);
    }

    @DELETE
    @Path("/{as}/{who}")
    public Response unban(@PathParam("as") String as, @PathParam("who") String who) {
        BanRecord.Kind kind;
        try {
            kind = BanRecord.Kind.fromApiName(as);
        } catch (IllegalArgumentException e) {
            throw ApiErrors.error(400, "as " + e.getMessage());
        }
        BanRecord ban = view.bans().entries().get(BanRecord.key(kind, who));
        if (ban == null) {
            throw ApiErrors.notFound("ban of " + as + " '" + who + "'");
        }
        write(() -> view.banTable().remove(ban.key()).toCompletableFuture().get(10, TimeUnit.SECONDS));
        view.bans().onRemove(ban.key());
        return Response.noContent().build();
    }

    private interface Write {
        void run() throws Exception;
    }

    private static void write(Write write) {
        try {
            write.run();
        } catch (Exception e) {
            throw ApiErrors.error(503, "the ban list could not be changed: " + e.getMessage());
        }
    }
}
