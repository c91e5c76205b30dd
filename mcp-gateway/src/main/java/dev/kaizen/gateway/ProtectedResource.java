package dev.kaizen.gateway;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kaizen.identity.Identity;
import dev.kaizen.identity.Principal;

/**
 * The gateway as an OAuth 2.1 protected resource, as the MCP authorization specification asks:
 * its Protected Resource Metadata (RFC 9728) naming the authorization server and the scopes, and
 * the {@code WWW-Authenticate} challenges of 401 and 403 (RFC 6750) that point to it.
 */
final class ProtectedResource {
    static final String PATH = "/.well-known/oauth-protected-resource";
    /** The scopes to ask for; per-namespace ones replace '*' with a namespace name. */
    static final List<String> SCOPES = List.of(Principal.grantScope(dev.kaizen.identity.Grant.READ, Principal.EVERY_NAMESPACE),
            Principal.grantScope(dev.kaizen.identity.Grant.WRITE, Principal.EVERY_NAMESPACE),
            Principal.grantScope(dev.kaizen.identity.Grant.ADMIN, Principal.EVERY_NAMESPACE), Principal.SERVER_ADMIN_GRANT_SCOPE);

    private ProtectedResource() {
    }

    static Map<String, Object> metadata(Identity.OAuth oauth) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("resource", oauth.resource());
        metadata.put("authorization_servers", List.of(oauth.issuer()));
        metadata.put("scopes_supported", SCOPES);
        metadata.put("bearer_methods_supported", List.of("header"));
        metadata.put("resource_name", "Kaizen");
        return metadata;
    }

    /** Where a client finds the metadata of {@code resource}: the well-known path with the resource's path appended. */
    static String metadataUrl(String resource) {
        URI uri = URI.create(resource);
        String path = uri.getRawPath() == null || uri.getRawPath().equals("/") ? "" : uri.getRawPath().replaceAll("/$", "");
        return uri.getScheme() + "://" + uri.getRawAuthority() + PATH + path;
    }

    /**
     * A Bearer challenge: with the metadata URL when OAuth is on, the error (invalid_token,
     * insufficient_scope; none for a missing credential), its description, and the scope needed.
     */
    static String challenge(Optional<Identity.OAuth> oauth, String error, String description, String scope) {
        List<String> parameters = new java.util.ArrayList<>();
        oauth.ifPresentOrElse(o -> parameters.add("resource_metadata=\"" + metadataUrl(o.resource()) + "\""),
                () -> parameters.add("realm=\"kaizen\""));
        if (error != null) {
            parameters.add("error=\"" + error + "\"");
            parameters.add("error_description=\"" + description.replaceAll("[\"\\\\\\p{Cntrl}]", "'") + "\"");
        }
        if (scope != null) {
            parameters.add("scope=\"" + scope + "\"");
        }
        return "Bearer " + String.join(", ", parameters);
    }
}
