package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough browser for the sign-in flows: follows redirects one by one with a cookie jar, clicks links and submits
 * forms by id, and stops, without fetching, at a URL starting with the app's redirect URI.
 */
final class TestBrowser {

    /** Where the browser ended: a page, or the app's redirect URI it stopped at. */
    record Page(String url, int status, String body) {
        String query(String name) {
            Matcher matcher = Pattern.compile("[?&]" + Pattern.quote(name) + "=([^&#]*)").matcher(url);
            return matcher.find() ? URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8) : null;
        }
    }

    private final String stopAt;
    private final Map<String, String> cookies = new HashMap<>();

    TestBrowser(String stopAt) {
        this.stopAt = stopAt;
    }

    Page open(String url) {
        return follow(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    Page click(Page page, String linkId) {
        Matcher link = Pattern.compile("<a[^>]*id=\"" + Pattern.quote(linkId) + "\"[^>]*href=\"([^\"]+)\"").matcher(page.body());
        if (!link.find()) {
            throw new AssertionError("no link " + linkId + " on " + page.url() + ": " + page.body());
        }
        return open(URI.create(page.url()).resolve(link.group(1).replace("&amp;", "&")).toString());
    }

    /** Submits the form with this id (or the page's first form, for a null id): its hidden inputs plus the fields. */
    Page submit(Page page, String formId, Map<String, String> fields) {
        String selector = formId == null ? "<form" : "<form[^>]*id=\"" + Pattern.quote(formId) + "\"";
        Matcher form = Pattern.compile(selector + "[^>]*action=\"([^\"]*)\"[^>]*>(.*?)</form>", Pattern.DOTALL).matcher(page.body());
        if (!form.find()) {
            throw new AssertionError("no form " + formId + " on " + page.url() + ": " + page.body());
        }
        Map<String, String> values = new LinkedHashMap<>();
        Matcher hidden = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"").matcher(form.group(2));
        while (hidden.find()) {
            values.put(hidden.group(1), hidden.group(2).replace("&amp;", "&").replace("&quot;", "\""));
        }
        values.putAll(fields);
        return follow(HttpRequest.newBuilder(URI.create(page.url()).resolve(form.group(1)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Http.form(values))));
    }

    private Page follow(HttpRequest.Builder request) {
        for (int hops = 0; hops < 10; hops++) {
            HttpRequest built = withCookies(request).build();
            if (built.uri().toString().startsWith(stopAt)) {
                return new Page(built.uri().toString(), 0, "");
            }
            HttpResponse<String> response;
            try {
                response = Http.sendRaw(built);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            response.headers().allValues("Set-Cookie").forEach(cookie -> {
                String[] pair = cookie.split(";", 2)[0].split("=", 2);
                cookies.put(pair[0], pair[1]);
            });
            String location = response.headers().firstValue("Location").orElse(null);
            if (response.statusCode() / 100 != 3 || location == null) {
                return new Page(built.uri().toString(), response.statusCode(), response.body());
            }
            request = HttpRequest.newBuilder(built.uri().resolve(location)).GET();
        }
        throw new AssertionError("too many redirects");
    }

    private HttpRequest.Builder withCookies(HttpRequest.Builder request) {
        if (!cookies.isEmpty()) {
            request.setHeader("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        }
        return request;
    }
}
