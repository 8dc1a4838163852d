package org.icm4j.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * JSON over HTTP with timeouts, a deadline and retries: 429 (honouring {@code Retry-After}), 408,
 * 5xx, connection failures and timeouts are tried again with exponential backoff until the
 * attempts or the deadline run out; any other 4xx fails at once, quoting the server. Thread-safe.
 * The API key is sent as a bearer token and appears in no message.
 */
final class Transport {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final URI base;
  private final @Nullable String apiKey;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final long maxResponseBytes;
  private final ObjectMapper json;
  private final @Nullable String routingHeader;
  private final java.net.@Nullable CookieManager cookies;
  private volatile @Nullable String routingKey;
  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();

  Transport(
      URI base,
      @Nullable String apiKey,
      Duration connectTimeout,
      Duration requestTimeout,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      long maxResponseBytes,
      @Nullable String routingHeader,
      boolean sessionCookies) {
    this.base = base;
    this.routingHeader = routingHeader;
    this.cookies = sessionCookies ? new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ALL) : null;
    this.maxResponseBytes = maxResponseBytes;
    // anything under the size bound parses: Jackson's default string limit (20 M chars) would
    // call a valid 25 MB answer malformed
    this.json = new ObjectMapper(
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxStringLength((int) Math.min(Integer.MAX_VALUE, Math.max(20_000_000L, maxResponseBytes)))
                    .maxDocumentLength(maxResponseBytes)
                    .build())
            .build());
    this.apiKey = apiKey;
    this.requestTimeout = requestTimeout;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    HttpClient.Builder cb =
        HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1);
    if (cookies != null) {
      cb.cookieHandler(cookies);
    }
    this.client = cb.build();
  }

  /**
   * Sends {@code key} in the routing header of every later request; a new key also empties the
   * cookie jar, so that a router may place the new batch's session anew.
   */
  void routingKey(@Nullable String key) {
    if (java.util.Objects.equals(key, routingKey)) {
      return;
    }
    routingKey = key;
    if (cookies != null) {
      cookies.getCookieStore().removeAll();
    }
  }

  @Nullable String routingKey() {
    return routingKey;
  }

  URI base() {
    return base;
  }

  JsonNode get(String path, Instant deadline, String what) {
    return send(path, null, deadline, what);
  }

  JsonNode post(String path, JsonNode body, Instant deadline, String what) {
    return send(path, body, deadline, what);
  }

  private JsonNode send(String path, @Nullable JsonNode body, Instant deadline, String what) {
    URI uri = base.resolve(path);
    String payload;
    try {
      payload = body == null ? null : JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the request body", e);
    }
    String lastProblem = "no attempt made";
    // the server's last answer, kept when a later attempt times out or loses its connection
    String lastAnswer = "";
    for (int attempt = 1; ; attempt++) {
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw fail(
            what + ": the deadline ran out after " + (attempt - 1) + " attempt(s) at " + uri
                + " (last: " + lastProblem + "); raise HttpScorer.Builder.deadline or check the server",
            null);
      }
      Duration timeout = left.compareTo(requestTimeout) < 0 ? left : requestTimeout;
      HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
      if (apiKey != null) {
        rb.header("Authorization", "Bearer " + apiKey);
      }
      String key = routingKey;
      if (routingHeader != null && key != null) {
        rb.header(routingHeader, key);
      }
      if (payload == null) {
        rb.GET();
      } else {
        rb.header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8));
      }
      requests.incrementAndGet();
      Duration wait;
      boolean serverAsked = false;
      Progress progress = new Progress(maxResponseBytes);
      CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(rb.build(), progress::subscriber);
      try {
        // the whole attempt, body included, within the timeout: HttpRequest.timeout covers the
        // wait for the headers only, and a server that stalls mid-body would hold this thread
        HttpResponse<byte[]> response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (status / 100 == 2) {
          return parse(json, text, what, uri);
        }
        String message = serverMessage(text);
        lastProblem = "HTTP " + status + ": " + message;
        lastAnswer = "; the server's last answer: " + lastProblem;
        boolean retryable = status == 429 || status == 408 || status / 100 == 5;
        if (!retryable) {
          throw fail(
              what + ": " + uri + " answered HTTP " + status + ": " + message + hint(status), null);
        }
        var asked = retryAfter(response);
        serverAsked = asked.isPresent();
        wait = asked.orElse(backoff(attempt));
      } catch (TimeoutException e) {
        progress.abort(pending);
        lastProblem = progress.describe(timeout) + lastAnswer;
        wait = backoff(attempt);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        TooLarge tooLarge = find(cause, TooLarge.class);
        if (tooLarge != null) {
          // asking again would bring the same flood
          throw fail(what + ": " + uri + " " + tooLarge.getMessage(), null);
        }
        if (cause instanceof HttpTimeoutException) {
          lastProblem = progress.describe(timeout) + lastAnswer;
        } else if (cause instanceof IOException) {
          lastProblem = "connection failed: " + cause + lastAnswer;
        } else {
          throw fail(what + ": the request to " + uri + " failed: " + cause, cause);
        }
        wait = backoff(attempt);
      } catch (InterruptedException e) {
        progress.abort(pending);
        Thread.currentThread().interrupt();
        throw fail(what + ": interrupted while waiting for " + uri, e);
      }
      if (attempt >= maxAttempts) {
        throw fail(
            what + ": gave up after " + attempt + " attempt(s) at " + uri + " (last: " + lastProblem
                + "); check the server, or raise HttpScorer.Builder.maxAttempts",
            null);
      }
      Duration remaining = Duration.between(Instant.now(), deadline);
      if (wait.compareTo(remaining) > 0) {
        String who = serverAsked ? "the server asks to wait " : "the next attempt would wait ";
        throw fail(
            what + ": the deadline leaves " + Math.max(0, remaining.toMillis()) + " ms but " + who
                + wait.toMillis() + " ms (last: " + lastProblem + ") at " + uri
                + "; raise HttpScorer.Builder.deadline",
            null);
      }
      retries.incrementAndGet();
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail(what + ": interrupted while waiting to retry " + uri, e);
      }
    }
  }

  private static String hint(int status) {
    if (status == 401 || status == 403) {
      return " (set the API key's environment variable: HttpScorer.Builder.apiKeyFromEnvironment)";
    }
    if (status == 404) {
      return " (is this the right engine and address? see docs/remote.md)";
    }
    return "";
  }

  private static JsonNode parse(ObjectMapper json, String body, String what, URI uri) {
    try {
      JsonNode node = json.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw fail(what + ": " + uri + " answered with an empty body", null);
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw fail(
          what + ": " + uri + " answered with JSON the parser refuses (" + e.getOriginalMessage()
              + "); raise HttpScorer.Builder.maxResponseBytes if the answer is legitimately this large",
          e);
    } catch (JsonProcessingException e) {
      throw fail(
          what + ": " + uri + " answered with malformed or truncated JSON (" + e.getOriginalMessage()
              + "): " + quote(body),
          e);
    }
  }

  /** The server's own message: the JSON {@code error.message}, {@code message} or {@code detail}, or the body. */
  static String serverMessage(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null) {
        JsonNode error = n.path("error");
        if (error.path("message").isTextual()) {
          return "'" + error.path("message").asText() + "'";
        }
        if (error.isTextual()) {
          return "'" + error.asText() + "'";
        }
        if (n.path("message").isTextual()) {
          return "'" + n.path("message").asText() + "'";
        }
        if (n.path("detail").isTextual()) {
          return "'" + n.path("detail").asText() + "'";
        }
      }
    } catch (JsonProcessingException ignored) {
      // not JSON: quote the text
    }
    return quote(body);
  }

  static String quote(String body) {
    String s = body.strip();
    return s.isEmpty() ? "(empty body)" : "'" + (s.length() > 300 ? s.substring(0, 300) + "..." : s) + "'";
  }

  /**
   * What one attempt got so far, for the message when it does not finish: whether the headers
   * came, how much of the body was read, and when the last bytes arrived. The body subscriber is
   * created when the headers arrive; it collects the body.
   */
  private static final class Progress {
    private final long limit;
    private final long started = System.nanoTime();
    private volatile int status = -1;
    private volatile long bytes;
    private volatile long lastData = started;
    private volatile Flow.@Nullable Subscription subscription;

    Progress(long limit) {
      this.limit = limit;
    }

    HttpResponse.BodySubscriber<byte[]> subscriber(HttpResponse.ResponseInfo info) {
      status = info.statusCode();
      lastData = System.nanoTime();
      return new Collector(info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /** Stops the attempt: cancels the exchange and the body's subscription (closing the connection). */
    void abort(CompletableFuture<?> pending) {
      pending.cancel(true);
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    /** Where the server was when the attempt ran out of time. */
    String describe(Duration timeout) {
      if (status < 0) {
        return "no answer within " + timeout.toMillis() + " ms";
      }
      long idle = (System.nanoTime() - lastData) / 1_000_000;
      return "no complete answer within " + timeout.toMillis() + " ms: headers received (HTTP " + status + "), "
          + bytes + " bytes of body read, no data for " + idle + " ms";
    }

    private final class Collector implements HttpResponse.BodySubscriber<byte[]> {
      private final CompletableFuture<byte[]> result = new CompletableFuture<>();
      private final ByteArrayOutputStream out = new ByteArrayOutputStream();
      private final long declared;

      Collector(long declared) {
        this.declared = declared;
      }

      private void refuse(Flow.Subscription s, String what) {
        s.cancel();
        result.completeExceptionally(new TooLarge(
            "sent an answer larger than the limit of " + limit + " bytes (" + mib(limit) + "): " + what
                + "; if the server's answers are legitimately this large, raise HttpScorer.Builder.maxResponseBytes,"
                + " otherwise check the server (see docs/remote.md)"));
      }

      @Override
      public CompletionStage<byte[]> getBody() {
        return result;
      }

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > limit) {
          refuse(s, "its Content-Length is " + declared + " bytes");
          return;
        }
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
          return;
        }
        for (ByteBuffer b : items) {
          int n = b.remaining();
          if (bytes + n > limit) {
            refuse(Objects.requireNonNull(subscription), "more than " + limit + " bytes of body arrived");
            return;
          }
          byte[] chunk = new byte[n];
          b.get(chunk);
          out.write(chunk, 0, n);
          bytes += n;
        }
        lastData = System.nanoTime();
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        result.complete(out.toByteArray());
      }
    }
  }

  /** An answer over the size bound (the message follows the address). */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }

  /** A failure that asking again will not fix (it names no example: the scorer adds it). */
  private static InferenceServerException fail(String message, @Nullable Throwable cause) {
    return new InferenceServerException(message, null, cause);
  }

  static String mib(long bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    return bytes < 1024 * 1024
        ? String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0)
        : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static <T extends Throwable> @Nullable T find(@Nullable Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private Duration backoff(int attempt) {
    long ms = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
  }

  /** {@code Retry-After} as seconds or an HTTP date. */
  private static java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("Retry-After").flatMap(v -> {
      String s = v.strip();
      try {
        return java.util.Optional.of(Duration.ofMillis((long) (Double.parseDouble(s) * 1000)));
      } catch (NumberFormatException e) {
        try {
          Instant when = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
          Duration d = Duration.between(Instant.now(), when);
          return java.util.Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e2) {
          return java.util.Optional.empty();
        }
      }
    });
  }
}
