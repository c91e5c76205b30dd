package dev.kaizen.stack;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OAuth 2.1 / OpenID Connect authorization server in a process of its own (NAV's
 * mock-oauth2-server, packaged by the oauth-server module), for tests and {@code ./kaizen clients}.
 * Its issuer is {@code http://127.0.0.1:<port>/kaizen}; every client id named in {@code clients}
 * gets tokens whose subject is that client id, whose audience is {@code resource} and whose scope
 * is the client's scopes, by the client-credentials grant or the authorization-code grant with
 * PKCE (which it grants without a login page).
 */
public final class OAuthServer implements AutoCloseable {
    public static final String ISSUER_ID = "kaizen";
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ServiceProcess process;

    private OAuthServer(ServiceProcess process) {
        this.process = process;
    }

    /** Starts it on a free port; {@code clients} maps client ids to their space-separated scopes. */
    public static OAuthServer start(Path log, String resource, Map<String, String> clients) {
        int port = ServiceProcess.freePort();
        ServiceProcess process = ServiceProcess.start("oauth-server", Map.of("SERVER_PORT", String.valueOf(port),
                "JSON_CONFIG", config(resource, clients), "LOG_LEVEL", "WARN"), log);
        OAuthServer server = new OAuthServer(process);
        try {
            Await.until("the OAuth server answers", Duration.ofSeconds(60), () -> {
                if (!process.process().isAlive()) {
                    throw new IllegalStateException("the OAuth server exited; the end of " + log + ":\n" + process.tail(20));
                }
                return status(server.issuer() + "/.well-known/openid-configuration") == 200;
            }, () -> "the end of " + log + ":\n" + process.tail(20));
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return server;
    }

    /** mock-oauth2-server's configuration: one token mapping per client id. */
    static String config(String resource, Map<String, String> clients) {
        List<String> mappings = new ArrayList<>();
        clients.forEach((client, scopes) -> mappings.add("{\"requestParam\":\"client_id\",\"match\":\"" + client
                + "\",\"claims\":{\"sub\":\"" + client + "\",\"aud\":[\"" + resource + "\"],\"scope\":\"" + scopes + "\"}}"));
        return "{\"interactiveLogin\":false,\"tokenCallbacks\":[{\"issuerId\":\"" + ISSUER_ID + "\",\"tokenExpiry\":300,"
                + "\"requestMappings\":[" + String.join(",", mappings) + "]}]}";
    }

    /** The issuer identifier: what tokens carry in iss, and where its metadata lives. */
    public String issuer() {
        return "http://127.0.0.1:" + process.port() + "/" + ISSUER_ID;
    }

    /** An access token for {@code client} by the client-credentials grant. */
    public String token(String client) {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(client, StandardCharsets.UTF_8)
                + "&client_secret=secret";
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(issuer() + "/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher token = ACCESS_TOKEN.matcher(answer.body());
            if (answer.statusCode() != 200 || !token.find()) {
                throw new IllegalStateException("no token for " + client + ": " + answer.statusCode() + " " + answer.body());
            }
            return token.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("the OAuth server does not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
