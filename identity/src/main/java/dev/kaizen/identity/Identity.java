package dev.kaizen.identity;

import java.time.Duration;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * How a service knows who calls: OAuth bearer JWTs, static API tokens, both, or, when neither is
 * configured, nobody in particular (the local single-user run, where every call is {@link Principal#local()}).
 * knowledge-service and mcp-gateway read the same {@code auth} settings.
 */
public final class Identity {
    private final ApiTokens apiTokens;
    private final OAuthTokens oauth;

    private Identity(ApiTokens apiTokens, OAuthTokens oauth) {
        this.apiTokens = apiTokens;
        this.oauth = oauth;
    }

    /**
     * From the {@code auth} settings: {@code oauth.issuer}, {@code oauth.audience},
     * {@code oauth.jwks-uri}, {@code oauth.clock-skew} and {@code tokens}.
     */
    public static Identity fromConfig(Config auth) {
        String issuer = auth.get("oauth.issuer").asString().orElse("").strip();
        OAuthTokens oauth = issuer.isEmpty() ? null : new OAuthTokens(issuer,
                auth.get("oauth.audience").asString().orElse("").strip(),
                auth.get("oauth.jwks-uri").asString().orElse(""),
                auth.get("oauth.clock-skew").as(Duration.class).get());
        return new Identity(ApiTokens.parse(auth.get("tokens").asString().orElse("")), oauth);
    }

    /** No authentication: every call is {@link Principal#local()}. */
    public static Identity off() {
        return new Identity(ApiTokens.parse(""), null);
    }

    /** Whether calls must authenticate. */
    public boolean enabled() {
        return oauth != null || !apiTokens.isEmpty();
    }

    /** The OAuth issuer and this server's resource identifier, when OAuth tokens are accepted. */
    public Optional<OAuth> oauth() {
        return oauth == null ? Optional.empty() : Optional.of(new OAuth(oauth.issuer(), oauth.audience()));
    }

    /** The authorization server that issues tokens, and the resource (audience) they must be for. */
    public record OAuth(String issuer, String resource) {
    }

    /** What the log says about authentication at start-up. */
    @Override
    public String toString() {
        if (!enabled()) {
            return "authentication is off (every caller may do everything); to turn it on, set AUTH_TOKENS or "
                    + "AUTH_OAUTH_ISSUER and AUTH_OAUTH_AUDIENCE (README: Connect with OAuth, Connect with an API token)";
        }
        return "authentication: " + (oauth == null ? "" : "OAuth tokens from " + oauth.issuer() + " for " + oauth.audience()
                + (apiTokens.isEmpty() ? "" : " and ")) + (apiTokens.isEmpty() ? "" : apiTokens.size() + " API tokens");
    }

    /**
     * The principal of a call from its {@code Authorization} header value (null when absent).
     *
     * @throws Unauthenticated when authentication is on and the credential is missing or not valid
     * @throws IdentityUnavailable when the issuer's keys cannot be fetched
     */
    public Principal authenticate(String authorization) {
        if (!enabled()) {
            return Principal.local();
        }
        if (authorization == null || authorization.isBlank()) {
            throw Unauthenticated.noCredential();
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw Unauthenticated.invalid("use the Bearer scheme: 'Authorization: Bearer <token>'.");
        }
        String token = authorization.substring(7).strip();
        Optional<Principal> byApiToken = apiTokens.principal(token);
        if (byApiToken.isPresent()) {
            return byApiToken.get();
        }
        if (oauth != null && token.chars().filter(c -> c == '.').count() == 2) {
            return oauth.principal(token);
        }
        throw Unauthenticated.invalid("it is neither a configured API token nor " + (oauth == null
                ? "anything else: this server accepts API tokens only." : "a JWT from " + oauth.issuer() + "."));
    }
}
