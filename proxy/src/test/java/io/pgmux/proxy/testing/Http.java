package io.pgmux.proxy.testing;

import io.pgmux.proxy.config.HostPort;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GET on pgmux's HTTP endpoint ({@link Pgmux#http()}): {@code Http.get(pgmux.http(), "/metrics").body()}. */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {}

    /** The response to GET {@code path}, whatever its status; times out after 10 s. */
    public static HttpResponse<String> get(HostPort http, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + http + path)).timeout(Duration.ofSeconds(10)).build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
