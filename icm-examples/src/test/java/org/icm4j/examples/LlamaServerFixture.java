package org.icm4j.examples;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.icm4j.djl.GgufFile;
import org.icm4j.djl.GgufReference;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.http.Engine;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.Tokenizer;
import org.icm4j.text.PromptLayout;

/**
 * The embedded world model exported to GGUF and served by a real {@code llama-server} on
 * 127.0.0.1, shared by the real-server tests. Without the binary the tests are skipped with a
 * message, except under CI ({@code CI=true}), where they fail: {@code .ci/run} builds it.
 */
final class LlamaServerFixture implements AutoCloseable {

  final Path dir;
  final Path gguf;
  final LlamaServerProcess server;
  /** Every server of the fixture: {@link #server} alone, or the replicas of {@link #startReplicas}. */
  final List<LlamaServerProcess> replicas;
  final SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);

  private LlamaServerFixture(Path dir, Path gguf, List<LlamaServerProcess> replicas) {
    this.dir = dir;
    this.gguf = gguf;
    this.server = replicas.get(0);
    this.replicas = List.copyOf(replicas);
  }

  /**
   * Starts a server with {@code slots} slots of 256 tokens and the exact flags ({@code
   * -Dicm4j.llamaThreads}, default 2, CPU threads), or skips (fails under CI) without a binary.
   */
  static LlamaServerFixture start(int slots) {
    return start(slots, true);
  }

  /** As {@link #start(int)}; {@code exact = false} keeps llama.cpp's default attention and cache flags. */
  static LlamaServerFixture start(int slots, boolean exact) {
    Path binary = binaryOrSkip();
    try {
      Path dir = Files.createTempDirectory("icm4j-llama-it");
      Path gguf = dir.resolve("world-model.gguf");
      ExportGgufCommand.writeWorldModel(null, gguf);
      LlamaServerProcess server = LlamaServerProcess.start(
          binary, gguf, slots, 256, Integer.getInteger("icm4j.llamaThreads", 2), dir.resolve("server.log"), exact);
      return new LlamaServerFixture(dir, gguf, List.of(server));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts {@code count} replicas of the same GGUF file, each with {@code slots} slots of 256
   * tokens, the exact flags and {@code threads} CPU threads, logging to {@code server-<i>.log}; or
   * skips (fails under CI) without a binary. {@link #server} is replica 0.
   */
  static LlamaServerFixture startReplicas(int count, int slots, int threads) {
    Path binary = binaryOrSkip();
    List<LlamaServerProcess> started = new ArrayList<>();
    try {
      Path dir = Files.createTempDirectory("icm4j-llama-replicas-it");
      Path gguf = dir.resolve("world-model.gguf");
      ExportGgufCommand.writeWorldModel(null, gguf);
      for (int i = 0; i < count; i++) {
        started.add(LlamaServerProcess.start(binary, gguf, slots, 256, threads, dir.resolve("server-" + i + ".log"), true));
      }
      return new LlamaServerFixture(dir, gguf, started);
    } catch (IOException | RuntimeException e) {
      started.forEach(LlamaServerProcess::close);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The binary, or a skipped test (a failed one under CI) without it. */
  static Path binaryOrSkip() {
    Optional<Path> binary = LlamaServerProcess.binary();
    if (binary.isEmpty()) {
      String message = "no llama-server binary: build it with scripts/build-llama-server.sh (about 16 min, cached"
          + " outside the repository) or pass -D" + LlamaServerProcess.BINARY_PROPERTY + "=PATH";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI must run the real-server tests: .ci/run builds the binary)");
      }
      assumeTrue(false, message + "; real-server tests skipped");
    }
    return binary.get();
  }

  /** The world's prompt layout for HTTP scoring: the one {@link WorldProbe#template()} gives DJL. */
  static PromptLayout layout() {
    return WorldProbe.template();
  }

  /** The world's tokenizer as a client-side {@link Tokenizer}. */
  Tokenizer tokenizer() {
    TextTokenizer t = world.tokenizer();
    return text -> Arrays.stream(t.encode(text)).mapToInt(Math::toIntExact).toArray();
  }

  /** A scorer with the world's layout and tokenizer, checked against the server at start. */
  HttpScorer.Builder scorer() {
    return scorer(server.url());
  }

  /** As {@link #scorer()}, against {@code endpoint} (a replica, or a router in front of them). */
  HttpScorer.Builder scorer(String endpoint) {
    return HttpScorer.builder()
        .endpoint(endpoint)
        .engine(Engine.LLAMA_CPP)
        .layout(layout())
        .tokenizer(tokenizer())
        .model(LlamaServerProcess.MODEL_ALIAS)
        .vocabularySize(world.vocabulary().size())
        .maxInFlight(1);
  }

  /** The plain-Java forward of the served file with ggml's or PyTorch's GELU. */
  GgufReference reference(GgufReference.Gelu gelu) {
    return new GgufReference(GgufFile.read(gguf), gelu);
  }

  @Override
  public void close() {
    replicas.forEach(LlamaServerProcess::close);
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a temporary directory
    }
  }
}
