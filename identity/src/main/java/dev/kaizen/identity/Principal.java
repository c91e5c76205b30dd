package dev.kaizen.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kaizen.api.Rules;

/**
 * Who makes a call, and what they may do: grants per namespace and, for the server-wide admin,
 * everything (creating namespaces, changing the search settings, reading the audit log). Grants
 * come from scopes, the same for OAuth tokens and static API tokens:
 * <ul>
 *     <li>{@code kaizen:read:<namespace>}, {@code kaizen:write:<namespace>},
 *     {@code kaizen:admin:<namespace>}; {@code *} as the namespace means every namespace;</li>
 *     <li>{@code kaizen:admin}: the server-wide admin.</li>
 * </ul>
 * Every authenticated principal may read {@code global}. Other scopes (openid, profile...) grant nothing.
 */
public record Principal(String name, boolean serverAdmin, Map<String, Grant> grants) {
    public static final String SERVER_ADMIN_GRANT_SCOPE = "kaizen:admin";
    public static final String EVERY_NAMESPACE = "*";
    private static final Pattern SCOPE = Pattern.compile("kaizen:(read|write|admin):(\\*|" + Rules.NAME_PATTERN.pattern() + ")");

    public Principal {
        grants = java.util.Collections.unmodifiableMap(new TreeMap<>(grants));
    }

    /** The caller of a run without authentication: one local user, who may do everything. */
    public static Principal local() {
        return new Principal("local", true, Map.of());
    }

    /** A principal named {@code name} with the grants of {@code scopes}; scopes that are not Kaizen's grant nothing. */
    public static Principal of(String name, Collection<String> scopes) {
        boolean admin = false;
        Map<String, Grant> grants = new TreeMap<>();
        for (String scope : scopes) {
            Matcher grant = SCOPE.matcher(scope);
            if (scope.equals(SERVER_ADMIN_GRANT_SCOPE)) {
                admin = true;
            } else if (grant.matches()) {
                grants.merge(grant.group(2), Grant.valueOf(grant.group(1).toUpperCase(java.util.Locale.ROOT)),
                        (a, b) -> a.includes(b) ? a : b);
            }
        }
        return new Principal(name, admin, grants);
    }

    /** Whether this principal holds {@code grant} (or a larger one) on {@code namespace}. */
    public boolean may(Grant grant, String namespace) {
        if (serverAdmin || grant == Grant.READ && Rules.GLOBAL_NAMESPACE.equals(namespace)) {
            return true;
        }
        Grant held = grants.get(namespace);
        Grant everywhere = grants.get(EVERY_NAMESPACE);
        return held != null && held.includes(grant) || everywhere != null && everywhere.includes(grant);
    }

    /** Whether this principal may read some namespaces other than global without naming them: '*'. */
    public boolean readsEveryNamespace() {
        return may(Grant.READ, EVERY_NAMESPACE);
    }

    /** The grant scope (OAuth scope) that gives {@code grant} on {@code namespace}: what a refusal asks for. */
    public static String grantScope(Grant grant, String namespace) {
        return "kaizen:" + grant.word() + ":" + namespace;
    }

    /** This principal's grants as grant scopes. */
    public List<String> grantScopes() {
        List<String> scopes = new ArrayList<>();
        if (serverAdmin) {
            scopes.add(SERVER_ADMIN_GRANT_SCOPE);
        }
        grants.forEach((namespace, grant) -> scopes.add(grantScope(grant, namespace)));
        return scopes;
    }
}
