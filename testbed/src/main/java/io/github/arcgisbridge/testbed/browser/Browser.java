package io.github.arcgisbridge.testbed.browser;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A minimal browser for driving sign-in flows over real HTTP: a cookie jar, redirects followed one by one (each
 * recorded), links clicked by id, forms submitted. It stops, without fetching, at a URL that starts with
 * {@link #stopAt(String)}: the app's redirect URI, or a callback a test wants to replay or tamper with. Used by the
 * testbed's own tests, the provider's integration tests and the container deployment test.
 */
public final class Browser {

    /** A page the browser ended on: its URL, status and body; for a stop, the URL it would have fetched next. */
    public record Page(String url, int status, String body) {
        public String query(String name) {
            Matcher matcher = Pattern.compile("[?&]" + Pattern.quote(name) + "=([^&#]*)").matcher(url);
            return matcher.find() ? java.net.URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8) : null;
        }
    }

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    /** Cookies per host and name. Like real browsers, 'Secure' cookies are sent to http://localhost (a trustworthy origin). */
    private final Map<String, Map<String, String>> cookies = new java.util.HashMap<>();
    private final List<String> history = new ArrayList<>();
    private final List<String> pagesShown = new ArrayList<>();
    private String stopPrefix;

    public Browser stopAt(String urlPrefix) {
        this.stopPrefix = urlPrefix;
        return this;
    }

    /** Forgets a cookie on every host, as when another person's session replaces this one's. */
    public Browser forget(String cookieName) {
        cookies.values().forEach(jar -> jar.remove(cookieName));
        return this;
    }

    /** Every URL requested, in order. */
    public List<String> history() {
        return history;
    }

    /** URLs of the HTML pages the user was shown (HTTP 200 with a body), in order. */
    public List<String> pagesShown() {
        return pagesShown;
    }

    public Page open(String url) {
        return follow(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    public Page click(Page page, String linkId) {
        Matcher matcher = Pattern.compile("<a[^>]*id=\"" + Pattern.quote(linkId) + "\"[^>]*href=\"([^\"]+)\"").matcher(page.body());
        if (!matcher.find()) {
            throw new AssertionError("no link '" + linkId + "' on " + page.url() + ": " + page.body());
        }
        return open(resolve(page.url(), matcher.group(1).replace("&amp;", "&")));
    }

    /** Submits the page's first form with its hidden inputs plus the given fields. */
    public Page submit(Page page, Map<String, String> fields) {
        return submit(page, null, fields);
    }

    /** Submits the form with this id (the page's first form for a null id): its hidden inputs plus the given fields. */
    public Page submit(Page page, String formId, Map<String, String> fields) {
        String start = formId == null ? "<form" : "<form[^>]*id=\"" + Pattern.quote(formId) + "\"";
        Matcher form = Pattern.compile(start + "[^>]*action=\"([^\"]*)\"[^>]*>(.*?)</form>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL)
                .matcher(page.body());
        if (!form.find()) {
            throw new AssertionError("no form " + (formId == null ? "" : "'" + formId + "' ") + "on " + page.url() + ": " + page.body());
        }
        Map<String, String> values = new LinkedHashMap<>();
        Matcher hidden = Pattern.compile("<input[^>]*type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"").matcher(form.group(2));
        while (hidden.find()) {
            values.put(hidden.group(1), unescape(hidden.group(2)));
        }
        values.putAll(fields);
        String body = values.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return follow(HttpRequest.newBuilder(URI.create(resolve(page.url(), unescape(form.group(1)))))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Page follow(HttpRequest.Builder first) {
        HttpRequest.Builder request = first;
        for (int hop = 0; hop < 25; hop++) {
            URI target = request.build().uri();
            String cookieHeader = cookieHeader(target.getHost());
            if (!cookieHeader.isEmpty()) {
                request.header("Cookie", cookieHeader);
            }
            HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
            history.add(built.uri().toString());
            HttpResponse<String> response = send(built);
            response.headers().allValues("Set-Cookie").forEach(header -> store(target.getHost(), header));
            String location = response.headers().firstValue("Location").orElse(null);
            if (response.statusCode() / 100 == 3 && location != null) {
                String next = resolve(built.uri().toString(), location);
                if (stopPrefix != null && next.startsWith(stopPrefix)) {
                    return new Page(next, response.statusCode(), "");
                }
                request = HttpRequest.newBuilder(URI.create(next)).GET();
                continue;
            }
            if (response.statusCode() == 200) {
                pagesShown.add(built.uri().toString());
            }
            return new Page(built.uri().toString(), response.statusCode(), response.body());
        }
        throw new AssertionError("too many redirects: " + history);
    }

    private String cookieHeader(String host) {
        return cookies.getOrDefault(host, Map.of()).entrySet().stream()
                .map(cookie -> cookie.getKey() + "=" + cookie.getValue()).collect(Collectors.joining("; "));
    }

    private void store(String host, String setCookie) {
        String[] attributes = setCookie.split(";");
        String[] pair = attributes[0].trim().split("=", 2);
        if (pair.length != 2) {
            return;
        }
        boolean expired = pair[1].isEmpty() || java.util.Arrays.stream(attributes).map(String::trim)
                .anyMatch(a -> a.equalsIgnoreCase("Max-Age=0") || a.toLowerCase(java.util.Locale.ROOT).startsWith("expires=thu, 01 jan 1970"));
        Map<String, String> jar = cookies.computeIfAbsent(host, h -> new LinkedHashMap<>());
        if (expired) {
            jar.remove(pair[0]);
        } else {
            jar.put(pair[0], pair[1]);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String resolve(String base, String location) {
        return URI.create(base).resolve(location).toString();
    }

    private static String unescape(String value) {
        return value.replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#x3d;", "=");
    }
}
