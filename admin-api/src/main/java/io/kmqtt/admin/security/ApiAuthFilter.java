package io.kmqtt.admin.security;

import io.kmqtt.admin.service.ClusterView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code /api/v1} call needs HTTP Basic credentials: an admin user and password, or an API key
 * and its secret (as in EMQX 5). No credentials or wrong ones: 401. A {@code viewer} may only read;
 * anything else it asks gets 403, and so does a viewer's call to the credential APIs.
 *
 * <p>A 401 carries {@code WWW-Authenticate: Basic}, so that a browser asks for credentials (and
 * uses those of an {@code http://user:pass@host/} address), except for a script's request marked
 * {@code X-Requested-With: XMLHttpRequest}: the dashboard's sign-in form says so, and a wrong
 * password there must show the form's message, not the browser's dialog.
 */
public class ApiAuthFilter {

    private static final Logger LOG = Logger.getLogger(ApiAuthFilter.class);
    /** The request property holding the caller's name, for audit ("by") fields. */
    public static final String CALLER = "kmqtt.admin.caller";
    /** The request property holding the caller's {@link Account.Role}. */
    public static final String ROLE = "kmqtt.admin.role";
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** The gateways' own call in the standalone broker's JVM; the auth-service answers it, not an operator. */
    private static final String AUTHENTICATE_PATH = "/api/v1/authenticate";

    @Inject
    ClusterView view;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/v1/") || path.equals(AUTHENTICATE_PATH)) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.of(refuse(request, 401, "credentials required: HTTP Basic with an admin user or an API key and secret"));
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.of(refuse(request, 401, "malformed Basic credentials"));
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.of(refuse(request, 401, "malformed Basic credentials"));
        }
        String name = decoded.substring(0, colon);
        Optional<Account> account = view.accounts().verify(name, decoded.substring(colon + 1));
        if (account.isEmpty()) {
            LOG.infof("admin API: %s %s refused: bad credentials for '%s'", request.getMethod(), path, name);
            return Optional.of(refuse(request, 401, "bad credentials"));
        }
        boolean credentialApi = path.startsWith("/api/v1/admins") || path.startsWith("/api/v1/api_key");
        if (account.get().role() != Account.Role.ADMINISTRATOR
                && (credentialApi || !READ_METHODS.contains(request.getMethod()))) {
            LOG.infof("admin API: %s %s refused: '%s' is a %s", request.getMethod(), path, name, account.get().role());
            return Optional.of(refuse(request, 403, "'" + name + "' may only read"));
        }
        request.setProperty(CALLER, name);
        request.setProperty(ROLE, account.get().role());
        return Optional.empty();
    }

    private static Response refuse(ContainerRequestContext request, int status, String message) {
        Response.ResponseBuilder r = Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("message", message));
        if (status == 401 && !"XMLHttpRequest".equalsIgnoreCase(request.getHeaderString("X-Requested-With"))) {
            r.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"kmqtt\"");
        }
        return r.build();
    }
}
