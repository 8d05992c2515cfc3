package io.github.arcgisbridge.testbed.http;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

/**
 * The request of an exchange whose answer will be lost ({@link Fault#ANSWER_LOST}): a handler reads the request and
 * writes its response as usual, and the response goes nowhere. Closing it is left to the fault.
 */
final class UnansweredExchange extends HttpExchange {

    private final HttpExchange request;
    private final Headers responseHeaders = new Headers();
    private int responseCode = -1;

    UnansweredExchange(HttpExchange request) {
        this.request = request;
    }

    @Override public Headers getRequestHeaders() { return request.getRequestHeaders(); }
    @Override public Headers getResponseHeaders() { return responseHeaders; }
    @Override public URI getRequestURI() { return request.getRequestURI(); }
    @Override public String getRequestMethod() { return request.getRequestMethod(); }
    @Override public HttpContext getHttpContext() { return request.getHttpContext(); }
    @Override public InputStream getRequestBody() { return request.getRequestBody(); }
    @Override public OutputStream getResponseBody() { return OutputStream.nullOutputStream(); }
    @Override public void sendResponseHeaders(int code, long length) { responseCode = code; }
    @Override public int getResponseCode() { return responseCode; }
    @Override public InetSocketAddress getRemoteAddress() { return request.getRemoteAddress(); }
    @Override public InetSocketAddress getLocalAddress() { return request.getLocalAddress(); }
    @Override public String getProtocol() { return request.getProtocol(); }
    @Override public Object getAttribute(String name) { return request.getAttribute(name); }
    @Override public void setAttribute(String name, Object value) { request.setAttribute(name, value); }
    @Override public void setStreams(InputStream in, OutputStream out) { request.setStreams(in, out); }
    @Override public HttpPrincipal getPrincipal() { return request.getPrincipal(); }
    @Override public void close() { }
}
