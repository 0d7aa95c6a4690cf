package dev.streaminfer.api.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the job's Prometheus endpoints (JobManager and TaskManagers), each within a timeout. */
public final class JobMetrics {

    /** None of the endpoints could be read, or none is configured. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    private final List<URI> endpoints;
    private final Duration timeout;
    private final HttpClient http;

    public JobMetrics(List<URI> endpoints, Duration timeout) {
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The text of every endpoint that answered; those that did not are left out. */
    public List<String> scrape() throws UnavailableException {
        if (endpoints.isEmpty()) {
            throw new UnavailableException("no job metrics endpoint configured");
        }
        List<String> scrapes = new ArrayList<>();
        for (URI endpoint : endpoints) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    scrapes.add(response.body());
                }
            } catch (IOException e) {
                // this endpoint is down (a TaskManager going away): the others still count
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException("interrupted");
            }
        }
        if (scrapes.isEmpty()) {
            throw new UnavailableException("no job metrics endpoint answered");
        }
        return scrapes;
    }
}
