package io.kmqtt.auth.rest;

import io.kmqtt.auth.service.RedisUserAdmin;
import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.TopicVerdict;
import io.kmqtt.core.topic.Topics;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Users and their ACL rules in Redis: /api/v1/users. Errors are JSON {"message": ...} with 400 for
 * bad input, 404 for an unknown user, 409 for a duplicate, 503 when Redis is not configured or down.
 */
@Path("/api/v1/users")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UserResource {

    public record NewUser(String username, String password, Boolean superuser) {
    }

    public record UserChange(String password, Boolean superuser) {
    }

    public record Rule(String filter, int access) {
    }

    public record UserView(String username, boolean superuser, List<Rule> acl) {
    }

    public record UserSummary(String username, boolean superuser) {
    }

    /** {@code cursor} continues the listing; {@code hasnext} is false once the scan is complete. */
    public record ListMeta(int limit, String cursor, boolean hasnext) {
    }

    public record UserList(List<UserSummary> data, ListMeta meta) {
    }

    @Inject
    RedisUserAdmin users;

    /**
     * Users whose name starts with {@code like}, by a Redis SCAN: continue with the {@code cursor} of
     * the previous answer until {@code hasnext} is false. Unordered; a page may hold fewer or somewhat
     * more than {@code limit} users.
     */
    @GET
    public Uni<UserList> list(@QueryParam("like") String like, @QueryParam("cursor") String cursor,
                              @QueryParam("limit") Integer limit) {
        requireRedis();
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > 1000) {
            throw error(400, "limit must be between 1 and 1000");
        }
        String from = cursor == null || cursor.isEmpty() ? "0" : cursor;
        if (!from.chars().allMatch(Character::isDigit)) {
            throw error(400, "cursor must be the cursor of a previous answer");
        }
        return guard(users.list(like == null ? "" : like, from, size).flatMap(page -> {
            List<String> names = page.usernames().stream().sorted().toList();
            return users.superusers(names).map(flags -> {
                List<UserSummary> data = new ArrayList<>(names.size());
                for (int i = 0; i < names.size(); i++) {
                    data.add(new UserSummary(names.get(i), flags.get(i)));
                }
                return new UserList(data, new ListMeta(size, page.cursor(), !"0".equals(page.cursor())));
            });
        }));
    }

    @POST
    public Uni<Response> create(NewUser body) {
        requireRedis();
        if (body == null || blank(body.username()) || body.password() == null) {
            throw error(400, "username and password are required");
        }
        if (body.username().contains(":") || body.username().chars().anyMatch(Character::isWhitespace)) {
            throw error(400, "username must not contain ':' or whitespace");
        }
        return guard(users.exists(body.username()).flatMap(exists -> {
            if (exists) {
                throw error(409, "user '" + body.username() + "' exists");
            }
            return users.save(body.username(), body.password(), Boolean.TRUE.equals(body.superuser()))
                    .replaceWith(Response.status(201).entity(Map.of("username", body.username())).build());
        }));
    }

    @GET
    @Path("/{username}")
    public Uni<UserView> get(@PathParam("username") String username) {
        requireRedis();
        return guard(users.find(username).map(u -> {
            if (u == null) {
                throw error(404, "no user '" + username + "'");
            }
            return new UserView(u.username(), u.superuser(), u.acl().stream().map(r -> new Rule(r.filter(), r.access())).toList());
        }));
    }

    @PUT
    @Path("/{username}")
    public Uni<UserView> update(@PathParam("username") String username, UserChange body) {
        requireRedis();
        if (body == null) {
            throw error(400, "a body with password and/or superuser is required");
        }
        return guard(users.find(username).flatMap(u -> {
            if (u == null) {
                throw error(404, "no user '" + username + "'");
            }
            boolean superuser = body.superuser() == null ? u.superuser() : body.superuser();
            Uni<Void> change = body.password() != null ? users.save(username, body.password(), superuser)
                    : users.setSuperuser(username, superuser);
            return change.replaceWith(new UserView(username, superuser,
                    u.acl().stream().map(r -> new Rule(r.filter(), r.access())).toList()));
        }));
    }

    @DELETE
    @Path("/{username}")
    public Uni<Response> delete(@PathParam("username") String username) {
        requireRedis();
        return guard(users.delete(username).map(deleted -> {
            if (!deleted) {
                throw error(404, "no user '" + username + "'");
            }
            return Response.noContent().build();
        }));
    }

    @GET
    @Path("/{username}/acl")
    public Uni<List<Rule>> acl(@PathParam("username") String username) {
        requireRedis();
        return guard(users.acl(username).map(rules -> rules.stream().map(r -> new Rule(r.filter(), r.access())).toList()));
    }

    /** Replaces all rules of the user. */
    @PUT
    @Path("/{username}/acl")
    public Uni<List<Rule>> replaceAcl(@PathParam("username") String username, List<Rule> rules) {
        requireRedis();
        List<AclRule> parsed = (rules == null ? List.<Rule>of() : rules).stream().map(UserResource::validate).toList();
        return guard(users.replaceAcl(username, parsed).replaceWith(rules == null ? List.of() : rules));
    }

    /** Adds or replaces one rule. */
    @POST
    @Path("/{username}/acl")
    public Uni<Response> addRule(@PathParam("username") String username, Rule rule) {
        requireRedis();
        AclRule parsed = validate(rule);
        return guard(users.addRule(username, parsed).replaceWith(Response.status(201).entity(rule).build()));
    }

    @DELETE
    @Path("/{username}/acl")
    public Uni<Response> removeRule(@PathParam("username") String username, @QueryParam("filter") String filter) {
        requireRedis();
        if (blank(filter)) {
            throw error(400, "query parameter 'filter' is required");
        }
        return guard(users.removeRule(username, filter).map(removed -> {
            if (!removed) {
                throw error(404, "user '" + username + "' has no rule for '" + filter + "'");
            }
            return Response.noContent().build();
        }));
    }

    private static AclRule validate(Rule rule) {
        if (rule == null || blank(rule.filter())) {
            throw error(400, "a rule needs a filter and an access (1 subscribe, 2 publish, 3 both)");
        }
        String checked = rule.filter().replace("%u", "u").replace("%c", "c");
        TopicVerdict verdict = Topics.validateFilter(checked, TopicLimits.DEFAULT);
        if (!verdict.isValid()) {
            throw error(400, "filter '" + rule.filter() + "' " + verdict.description());
        }
        try {
            return new AclRule(rule.filter(), rule.access());
        } catch (IllegalArgumentException e) {
            throw error(400, e.getMessage());
        }
    }

    private void requireRedis() {
        if (!users.available()) {
            throw error(503, "user management needs Redis: set QUARKUS_REDIS_HOSTS");
        }
    }

    /** Redis failures become 503 with the reason; our own HTTP errors pass through. */
    private static <T> Uni<T> guard(Uni<T> uni) {
        return uni.onFailure(e -> !(e instanceof WebApplicationException))
                .transform(e -> error(503, "Redis unavailable: " + e.getMessage()));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static WebApplicationException error(int status, String message) {
        return new WebApplicationException(Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", message)).build());
    }
}
