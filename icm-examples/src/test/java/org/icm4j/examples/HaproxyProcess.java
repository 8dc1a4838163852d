package org.icm4j.examples;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.icm4j.IcmException;

/**
 * HAProxy in front of llama-server replicas, standing in for an LLM router: {@code balance
 * hdr(<routing header>)} with {@code hash-type consistent}, so that every request carrying one
 * routing key goes to one replica; requests without the header are spread round-robin. A TCP health
 * check every 300 ms takes a dead replica out after two failed checks. Each request is logged to {@link #log()} as {@code
 * key=<header value> server=<replica name> status=<HTTP status>}. Not thread-safe.
 *
 * <p>The binary: {@code -Dicm4j.haproxy}, else {@code scripts/setup-haproxy.sh --print} (the Debian
 * package's {@code /usr/sbin/haproxy}). Without it the test is skipped, except under CI, where it
 * fails: {@code .ci/run} installs it.
 */
final class HaproxyProcess implements AutoCloseable {

  /** A replica's name in the configuration and in the log: {@code r0}, {@code r1}, ... */
  static String replicaName(int i) {
    return "r" + i;
  }

  private final Process process;
  private final Path log;
  private final int port;

  private HaproxyProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** {@link #start(List, String, Path)} in front of every replica of the fleet, in replica order. */
  static HaproxyProcess start(LlamaServerFixture fleet, String header, Path dir) {
    List<String> backends = new ArrayList<>();
    for (LlamaServerProcess r : fleet.replicas) {
      backends.add(r.url().substring("http://".length()));
    }
    return start(backends, header, dir);
  }

  /**
   * Starts HAProxy on a free port of 127.0.0.1 in front of {@code backends} ({@code host:port}),
   * hashing on {@code header}, and waits until it accepts connections.
   */
  static HaproxyProcess start(List<String> backends, String header, Path dir) {
    Path binary = binaryOrSkip();
    int port = freePort();
    StringBuilder cfg = new StringBuilder();
    cfg.append("global\n  log stdout format raw local0\n  maxconn 256\n\n")
        .append("defaults\n  mode http\n  log global\n  timeout connect 1s\n  timeout client 300s\n")
        .append("  timeout server 300s\n  retries 1\n\n")
        .append("frontend icm\n  bind 127.0.0.1:").append(port).append('\n')
        .append("  capture request header ").append(header).append(" len 64\n")
        .append("  log-format \"key=%[capture.req.hdr(0)] server=%s status=%ST path=%HP\"\n")
        .append("  default_backend replicas\n\n")
        .append("backend replicas\n  balance hdr(").append(header).append(")\n  hash-type consistent\n");
    for (int i = 0; i < backends.size(); i++) {
      cfg.append("  server ").append(replicaName(i)).append(' ').append(backends.get(i))
          .append(" check inter 300ms fall 2 rise 1\n");
    }
    try {
      Path config = dir.resolve("haproxy.cfg");
      Files.writeString(config, cfg.toString(), StandardCharsets.UTF_8);
      Path log = dir.resolve("haproxy.log");
      Process check = new ProcessBuilder(binary.toString(), "-c", "-f", config.toString())
          .redirectErrorStream(true).start();
      String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (check.waitFor() != 0) {
        throw new IcmException("haproxy rejects its configuration: " + checked + "\n" + cfg);
      }
      Process process = new ProcessBuilder(binary.toString(), "-db", "-f", config.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      HaproxyProcess proxy = new HaproxyProcess(process, log, port);
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < until) {
        if (!process.isAlive()) {
          throw new IcmException("haproxy exited with " + process.exitValue() + ": " + Files.readString(log));
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          return proxy;
        } catch (IOException notYet) {
          Thread.sleep(50);
        }
      }
      proxy.close();
      throw new IcmException("haproxy did not accept connections on port " + port + " within 20 s");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IcmException("interrupted while starting haproxy", e);
    }
  }

  private static Path binaryOrSkip() {
    Optional<Path> binary = binary();
    if (binary.isEmpty()) {
      String message = "no haproxy: install it with scripts/setup-haproxy.sh (Debian's package) or pass"
          + " -Dicm4j.haproxy=PATH";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI must run the scale demonstration: .ci/run installs it)");
      }
      assumeTrue(false, message + "; the routing demonstration is skipped");
    }
    return binary.get();
  }

  static Optional<Path> binary() {
    String p = System.getProperty("icm4j.haproxy");
    if (p != null && !p.isBlank()) {
      return Optional.of(Path.of(p)).filter(Files::isExecutable);
    }
    for (String candidate : List.of("/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Optional.of(Path.of(candidate));
      }
    }
    return Optional.empty();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /** The router's base address. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** One request as HAProxy logged it. */
  record Routed(String key, String server, int status, String path) {}

  /** Every request HAProxy has logged so far, oldest first (health-check messages left out). */
  List<Routed> requests() {
    List<Routed> out = new ArrayList<>();
    for (String line : lines()) {
      if (!line.startsWith("key=")) {
        continue;
      }
      String[] f = line.split(" ", 4);
      out.add(new Routed(
          value(f[0]), value(f[1]), Integer.parseInt(value(f[2])), f.length > 3 ? value(f[3]) : ""));
    }
    return out;
  }

  /** Whether HAProxy has logged {@code replica} as down (its health check failed). */
  boolean loggedDown(String replica) {
    return lines().stream().anyMatch(l -> l.contains("replicas/" + replica + " is DOWN"));
  }

  private static String value(String field) {
    return field.substring(field.indexOf('=') + 1);
  }

  private List<String> lines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The log file. */
  Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
