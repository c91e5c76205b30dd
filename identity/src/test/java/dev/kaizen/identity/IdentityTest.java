package dev.kaizen.identity;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authentication on its own: API tokens, grants from scopes, and OAuth JWTs checked against an
 * issuer whose metadata and JWKS a real HTTP server on loopback serves, with keys made here.
 */
class IdentityTest {
    private static final String AUDIENCE = "https://kaizen.example.com/mcp";
    private static HttpServer issuerServer;
    private static String issuer;
    private static RSAKey rsa;
    private static ECKey ec;
    private static final AtomicReference<JWKSet> JWKS = new AtomicReference<>();
    private static final AtomicInteger JWKS_FETCHES = new AtomicInteger();

    @BeforeAll
    static void startIssuer() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        JWKS.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
        issuerServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + issuerServer.getAddress().getPort() + "/realms/kaizen";
        issuerServer.createContext("/realms/kaizen/.well-known/openid-configuration", exchange -> send(exchange,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}"));
        issuerServer.createContext("/realms/kaizen/jwks", exchange -> {
            JWKS_FETCHES.incrementAndGet();
            send(exchange, JWKS.get().toString());
        });
        issuerServer.start();
    }

    private static void send(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterAll
    static void stopIssuer() {
        issuerServer.stop(0);
    }

    private static Identity identity(String tokens) {
        return Identity.fromConfig(Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of("oauth.issuer", issuer, "oauth.audience", AUDIENCE,
                        "oauth.clock-skew", "PT30S", "tokens", tokens))).build());
    }

    private static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer).audience(AUDIENCE).subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                .claim("scope", "openid kaizen:write:acme kaizen:read:*");
    }

    private static String rs256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    private static String refused(Identity identity, String authorization) {
        return assertThrows(Unauthenticated.class, () -> identity.authenticate(authorization)).getMessage();
    }

    @Test
    void withNothingConfiguredEveryCallIsTheLocalUserWhoMayDoEverything() {
        Identity off = Identity.off();
        assertFalse(off.enabled());
        Principal local = off.authenticate(null);
        assertTrue(local.serverAdmin() && local.may(Grant.ADMIN, "anything"));
        assertTrue(off.toString().contains("authentication is off"));
    }

    @Test
    void scopesMapToGrantsAndGlobalIsReadableByEveryone() {
        Principal p = Principal.of("bob", List.of("kaizen:read:acme", "kaizen:write:acme", "kaizen:admin:web",
                "kaizen:read:*", "openid", "kaizen:delete:acme", "kaizen:write:ACME", "kaizen:write:"));
        assertTrue(p.may(Grant.WRITE, "acme") && !p.may(Grant.ADMIN, "acme"));
        assertTrue(p.may(Grant.ADMIN, "web") && p.may(Grant.WRITE, "web") && p.may(Grant.READ, "web"));
        assertTrue(p.may(Grant.READ, "other") && !p.may(Grant.WRITE, "other"), "kaizen:read:* reads every namespace");
        assertTrue(p.may(Grant.READ, "global") && !p.may(Grant.WRITE, "global"));
        assertFalse(p.serverAdmin());
        assertEquals(List.of("kaizen:read:*", "kaizen:write:acme", "kaizen:admin:web"), p.grantScopes());
        Principal nobody = Principal.of("eve", List.of());
        assertTrue(nobody.may(Grant.READ, "global") && !nobody.may(Grant.READ, "acme"));
        assertTrue(Principal.of("root", List.of("kaizen:admin")).may(Grant.ADMIN, "acme"));
    }

    @Test
    void apiTokensAreKeptAsHashesAndNameTheirPrincipal() {
        String token = ApiTokens.generate();
        assertTrue(token.startsWith("kzn_") && token.length() > 40);
        String entry = ApiTokens.entry("ci-bot", token, "kaizen:write:acme");
        assertFalse(entry.contains(token), "configuration keeps the hash only");
        Identity identity = identity(entry + "\nother:" + ApiTokens.hash("x") + ":kaizen:admin");
        Principal bot = identity.authenticate("Bearer " + token);
        assertEquals("ci-bot", bot.name());
        assertTrue(bot.may(Grant.WRITE, "acme") && !bot.may(Grant.WRITE, "web"));
        assertTrue(identity.authenticate("bearer x").serverAdmin(), "the scheme is case-insensitive");
        assertTrue(refused(identity, "Bearer " + token + "x").startsWith("Invalid token"));
        assertTrue(refused(identity, "Basic dXNlcjpwYXNz").contains("Bearer scheme"));
        Unauthenticated missing = assertThrows(Unauthenticated.class, () -> identity.authenticate(null));
        assertTrue(missing.credentialMissing());
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> ApiTokens.parse("ci-bot:notahash:kaizen:admin"));
        assertTrue(malformed.getMessage().contains("entry 1") && !malformed.getMessage().contains("notahash"));
    }

    @Test
    void aValidAccessTokenGivesItsSubjectAndScopesByRsaOrEc() throws Exception {
        Identity identity = identity("");
        Principal alice = identity.authenticate("Bearer " + rs256(claims().build()));
        assertEquals("alice", alice.name());
        assertTrue(alice.may(Grant.WRITE, "acme") && alice.may(Grant.READ, "web") && !alice.may(Grant.WRITE, "web"));

        SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), claims().subject("svc").claim("scope", null)
                .claim("scp", List.of("kaizen:admin")).build());
        es.sign(new ECDSASigner(ec));
        assertTrue(identity.authenticate("Bearer " + es.serialize()).serverAdmin(), "scp as a list, RFC 9068 typ");
        Instant now = Instant.now();
        String skewed = rs256(claims().expirationTime(Date.from(now.minusSeconds(10))).build());
        assertEquals("alice", identity.authenticate("Bearer " + skewed).name(), "10 s past exp is within the skew");
    }

    @Test
    void expiredEarlyWrongAudienceWrongIssuerUnsignedMisSignedAndTamperedTokensAreRefused() throws Exception {
        Identity identity = identity("");
        Instant now = Instant.now();
        assertTrue(refused(identity, "Bearer " + rs256(claims().expirationTime(Date.from(now.minusSeconds(120))).build()))
                .contains("expired"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().notBeforeTime(Date.from(now.plusSeconds(120))).build()))
                .contains("not valid yet"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().audience("https://other.example.com/mcp").build()))
                .contains("not for this server"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().audience((String) null).build())).contains("not for this server"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().issuer("https://evil.example.com").build()))
                .contains("not issued by"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().subject(null).build())).contains("required claim"));
        assertTrue(refused(identity, "Bearer " + rs256(claims().expirationTime(null).build())).contains("required claim"));

        String unsigned = new PlainJWT(claims().build()).serialize();
        assertTrue(refused(identity, "Bearer " + unsigned).startsWith("Invalid token"), "alg none");

        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(),
                claims().build());
        confused.sign(new MACSigner(rsa.toPublicJWK().toRSAPublicKey().getEncoded()));
        assertTrue(refused(identity, "Bearer " + confused.serialize()).startsWith("Invalid token"),
                "HMAC keyed with the public key (key confusion)");

        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        SignedJWT misSigned = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims().build());
        misSigned.sign(new RSASSASigner(stranger));
        assertTrue(refused(identity, "Bearer " + misSigned.serialize()).startsWith("Invalid token"), "another key, same kid");

        String[] parts = rs256(claims().build()).split("\\.");
        String elevated = Base64URL.encode(claims().claim("scope", "kaizen:admin").build().toString()).toString();
        assertTrue(refused(identity, "Bearer " + parts[0] + "." + elevated + "." + parts[2]).startsWith("Invalid token"),
                "a changed payload under the old signature");
        assertTrue(refused(identity, "Bearer not.a.jwt").startsWith("Invalid token"));
        assertTrue(refused(identity, "Bearer " + parts[0] + "." + parts[1] + ".").startsWith("Invalid token"));
    }

    @Test
    void aTokenSignedByANewKeyIsAcceptedOnceTheIssuerPublishesIt() throws Exception {
        Identity identity = identity("");
        identity.authenticate("Bearer " + rs256(claims().build()));
        RSAKey rotated = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-2").build(), claims().build());
        jwt.sign(new RSASSASigner(rotated));
        JWKS.set(new JWKSet(List.of(rsa.toPublicJWK(), rotated.toPublicJWK())));
        int before = JWKS_FETCHES.get();
        assertEquals("alice", identity.authenticate("Bearer " + jwt.serialize()).name());
        assertTrue(JWKS_FETCHES.get() > before, "an unknown kid fetched the JWKS again");
        JWKS.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
    }

    @Test
    void anUnreachableIssuerIsUnavailableNotInvalid() throws Exception {
        Identity identity = Identity.fromConfig(Config.builder().disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource().addSource(ConfigSources.create(Map.of("oauth.issuer",
                        "http://127.0.0.1:9/nowhere", "oauth.audience", AUDIENCE, "oauth.clock-skew", "PT30S"))).build());
        assertThrows(IdentityUnavailable.class, () -> identity.authenticate("Bearer " + rs256(claims().build())));
        assertThrows(IllegalArgumentException.class, () -> Identity.fromConfig(Config.builder()
                .disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of("oauth.issuer", issuer, "oauth.clock-skew", "PT30S"))).build()),
                "an issuer needs an audience");
    }
}
