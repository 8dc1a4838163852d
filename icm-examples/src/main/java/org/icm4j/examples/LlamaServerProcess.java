package org.icm4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icm4j.IcmException;

/**
 * A {@code llama-server} process on 127.0.0.1 serving one GGUF file with the flags that make its
 * numbers exact ({@code -fa off -ctk f32 -ctv f32}) and its prefix cache the plain one-prompt-per-
 * slot kind ({@code -cram 0}: no host-memory prompt cache), for the real-server tests and
 * benchmarks. Started by {@link #start}, stopped by {@link #close}. Not thread-safe.
 */
final class LlamaServerProcess implements AutoCloseable {

  /** System property naming the binary (as {@code scripts/build-llama-server.sh} prints it). */
  static final String BINARY_PROPERTY = "icm4j.llamaServer";

  /** The name the server gives its model ({@code --alias}). */
  static final String MODEL_ALIAS = "icm4j-world-model";

  private final Process process;
  private final Path log;
  private final int port;

  private LlamaServerProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * The binary: {@code -Dicm4j.llamaServer}, else {@code $ICM4J_LLAMA_SERVER}, else what {@code
   * scripts/build-llama-server.sh --print} finds in its cache (looked for from the working
   * directory up).
   */
  static Optional<Path> binary() {
    String p = System.getProperty(BINARY_PROPERTY);
    if (p == null || p.isBlank()) {
      p = System.getenv("ICM4J_LLAMA_SERVER");
    }
    if (p != null && !p.isBlank()) {
      return Optional.of(Path.of(p)).filter(Files::isExecutable);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path script = dir.resolve("scripts/build-llama-server.sh");
      if (Files.isRegularFile(script)) {
        try {
          Process pr = new ProcessBuilder("bash", script.toString(), "--print")
              .redirectError(ProcessBuilder.Redirect.DISCARD).start();
          String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
          if (pr.waitFor() == 0 && !out.isEmpty()) {
            return Optional.of(Path.of(out)).filter(Files::isExecutable);
          }
        } catch (IOException e) {
          return Optional.empty();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
        return Optional.empty();
      }
      dir = dir.getParent();
    }
    return Optional.empty();
  }

  /**
   * Starts the server and waits until it answers {@code /health}.
   *
   * @param binary the llama-server binary
   * @param model the GGUF file
   * @param slots parallel slots ({@code -np})
   * @param slotContext tokens per slot (the context is {@code slots * slotContext})
   * @param threads CPU threads ({@code -t})
   * @param log where the server's output goes
   * @throws IcmException with the end of the log when it does not come up within a minute
   */
  static LlamaServerProcess start(Path binary, Path model, int slots, int slotContext, int threads, Path log) {
    return start(binary, model, slots, slotContext, threads, log, true);
  }

  /**
   * Starts the server; {@code exact = false} leaves llama.cpp's defaults for flash attention and the
   * KV cache type (f16), to measure what the exact flags change.
   */
  static LlamaServerProcess start(
      Path binary, Path model, int slots, int slotContext, int threads, Path log, boolean exact) {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
    List<String> cmd = new ArrayList<>(List.of(
        binary.toString(), "-m", model.toString(), "--host", "127.0.0.1", "--port", "" + port,
        "-np", "" + slots, "-c", "" + slots * slotContext,
        "-t", "" + threads, "-cram", "0", "--no-webui", "--no-warmup", "--alias", MODEL_ALIAS));
    if (exact) {
      cmd.addAll(List.of("-fa", "off", "-ctk", "f32", "-ctv", "f32"));
    }
    Process process;
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    LlamaServerProcess server = new LlamaServerProcess(process, log, port);
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IcmException("llama-server exited with " + process.exitValue() + ": " + server.logTail());
      }
      if (server.healthy()) {
        return server;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.close();
        throw new IcmException("interrupted while waiting for llama-server", e);
      }
    }
    server.close();
    throw new IcmException("llama-server did not answer /health within 60 s: " + server.logTail());
  }

  private boolean healthy() {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/health").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(500);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** The server's base address. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The file the server's output goes to. */
  Path log() {
    return log;
  }

  /** Kills the process at once (SIGKILL), as a crashed replica would stop; {@link #close} still works after. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines of the server's log. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
