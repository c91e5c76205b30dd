package dev.kaizen.identity;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;

/**
 * OAuth 2.1 / OpenID Connect access tokens as JWTs (RFC 9068), checked with nimbus-jose-jwt: an
 * RSA or EC signature by a key of the issuer's JWKS (never {@code alg: none}, never an HMAC keyed
 * with a public key), {@code iss} exactly the issuer, {@code aud} holding this server's resource
 * identifier (RFC 8707), {@code exp} and {@code nbf} with a small clock skew, and a {@code sub}.
 * The JWKS comes from {@code jwksUri}, or from the issuer's metadata when that is empty; keys are
 * cached and fetched again when a token names an unknown key id.
 */
final class OAuthTokens {
    private static final System.Logger LOG = System.getLogger(OAuthTokens.class.getName());
    private static final Set<JWSAlgorithm> ALGORITHMS = algorithms();

    private final String issuer;
    private final String audience;
    private final String jwksUri;
    private final Duration clockSkew;
    private volatile DefaultJWTProcessor<SecurityContext> processor;

    OAuthTokens(String issuer, String audience, String jwksUri, Duration clockSkew) {
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("auth.oauth.audience is empty: set it to this server's resource identifier, "
                    + "the URL clients connect to (e.g. https://kaizen.example.com/mcp)");
        }
        this.issuer = issuer;
        this.audience = audience;
        this.jwksUri = jwksUri == null ? "" : jwksUri.strip();
        this.clockSkew = clockSkew;
    }

    String issuer() {
        return issuer;
    }

    String audience() {
        return audience;
    }

    Principal principal(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor().process(token, null);
        } catch (ExpiredJWTException e) {
            throw Unauthenticated.invalid("the token has expired; get a new one.");
        } catch (BadJWTException e) {
            throw Unauthenticated.invalid(claimProblem(token));
        } catch (BadJOSEException | ParseException e) {
            throw Unauthenticated.invalid("the token is not a JWT signed by the issuer's keys (" + issuer + ").");
        } catch (KeySourceException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot fetch the keys of " + issuer, e);
            throw new IdentityUnavailable("The authorization server's keys cannot be fetched right now; retry later.", e);
        } catch (JOSEException e) {
            throw Unauthenticated.invalid("the token's signature cannot be checked.");
        }
        return Principal.of(claims.getSubject(), grantScopes(claims));
    }

    /**
     * Which claim of a token whose signature held made nimbus refuse it, found by reading the claims
     * here (nimbus says it only in the words of its exception message).
     */
    private String claimProblem(String token) {
        JWTClaimsSet claims;
        try {
            claims = com.nimbusds.jwt.JWTParser.parse(token).getJWTClaimsSet();
        } catch (ParseException e) {
            return "the token's claims cannot be read.";
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            return "the token is not for this server: request it for the resource " + audience + ".";
        }
        if (!issuer.equals(claims.getIssuer())) {
            return "the token was not issued by " + issuer + ".";
        }
        if (claims.getSubject() == null || claims.getExpirationTime() == null) {
            return "the token lacks a required claim (sub, exp).";
        }
        if (claims.getNotBeforeTime() != null
                && claims.getNotBeforeTime().toInstant().isAfter(java.time.Instant.now().plus(clockSkew))) {
            return "the token is not valid yet.";
        }
        LOG.log(System.Logger.Level.DEBUG, "token refused: claims " + claims.getClaims().keySet());
        return "the token's claims are not acceptable.";
    }

    /** Grants come from the 'scope' claim (space-separated, RFC 9068) or an 'scp' list. */
    private static List<String> grantScopes(JWTClaimsSet claims) {
        List<String> scopes = new ArrayList<>();
        Object scope = claims.getClaim("scope");
        Object scp = claims.getClaim("scp");
        for (Object value : new Object[] {scope, scp}) {
            if (value instanceof String text) {
                scopes.addAll(Arrays.asList(text.strip().split("\\s+")));
            } else if (value instanceof List<?> list) {
                list.forEach(item -> scopes.add(String.valueOf(item)));
            }
        }
        return scopes;
    }

    /** The processor, built on first use: the issuer's metadata is read then, so start-up never waits for it. */
    private DefaultJWTProcessor<SecurityContext> processor() throws KeySourceException {
        DefaultJWTProcessor<SecurityContext> ready = processor;
        if (ready != null) {
            return ready;
        }
        synchronized (this) {
            if (processor == null) {
                JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwksUrl())
                        .retrying(true)
                        .build();
                DefaultJWTProcessor<SecurityContext> built = new DefaultJWTProcessor<>();
                built.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                        new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
                built.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
                DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(audience),
                        new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp"), null);
                claims.setMaxClockSkew((int) clockSkew.toSeconds());
                built.setJWTClaimsSetVerifier(claims);
                processor = built;
            }
            return processor;
        }
    }

    /**
     * The JWKS URL: configured, or the jwks_uri of the issuer's OpenID Connect discovery document or
     * OAuth authorization server metadata (RFC 8414).
     */
    private URL jwksUrl() throws KeySourceException {
        try {
            if (!jwksUri.isEmpty()) {
                return URI.create(jwksUri).toURL();
            }
            URI base = URI.create(issuer);
            String path = base.getPath() == null ? "" : base.getPath().replaceAll("/$", "");
            List<URI> documents = List.of(URI.create(issuer.replaceAll("/$", "") + "/.well-known/openid-configuration"),
                    base.resolve("/.well-known/oauth-authorization-server" + path));
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                for (URI document : documents) {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(document).timeout(Duration.ofSeconds(5))
                            .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 200) {
                        Map<String, Object> metadata = JSONObjectUtils.parse(answer.body());
                        Object uri = metadata.get("jwks_uri");
                        if (uri instanceof String text && !text.isBlank()) {
                            return URI.create(text).toURL();
                        }
                    }
                }
            }
            throw new KeySourceException("no jwks_uri in the metadata of " + issuer);
        } catch (IOException | ParseException | IllegalArgumentException e) {
            throw new KeySourceException("cannot read the metadata of " + issuer + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted while reading the metadata of " + issuer, e);
        }
    }

    private static Set<JWSAlgorithm> algorithms() {
        Set<JWSAlgorithm> algorithms = new HashSet<>(JWSAlgorithm.Family.RSA);
        algorithms.addAll(JWSAlgorithm.Family.EC);
        return Set.copyOf(algorithms);
    }
}
