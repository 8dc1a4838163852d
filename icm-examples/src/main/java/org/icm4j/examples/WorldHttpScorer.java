package org.icm4j.examples;

import java.util.Arrays;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.http.Engine;
import org.icm4j.http.HttpScorer;

/**
 * The world's scorer over HTTP: icm-http's {@link HttpScorer} against a llama.cpp server that
 * serves a world model exported by {@link ExportGgufCommand}, with the prompt layout and
 * tokenizer the DJL scorer uses, so that both send the model the same tokens.
 */
final class WorldHttpScorer {
  private WorldHttpScorer() {}

  /**
   * A scorer on the server at {@code url}, checked at start (vocabulary size, label tokens).
   *
   * @param url the llama-server's address, e.g. {@code http://127.0.0.1:8080}
   * @param tokenizer the world's tokenizer
   * @param vocabularySize the world's vocabulary size
   * @param mode the leave-one-out order (the DJL mode of the same name)
   */
  static HttpScorer open(String url, TextTokenizer tokenizer, int vocabularySize, DjlScorer.LeaveOneOut mode) {
    return HttpScorer.builder()
        .endpoint(url)
        .engine(Engine.LLAMA_CPP)
        .layout(WorldProbe.template())
        .tokenizer(text -> Arrays.stream(tokenizer.encode(text)).mapToInt(Math::toIntExact).toArray())
        .vocabularySize(vocabularySize)
        .leaveOneOut(HttpScorer.LeaveOneOut.valueOf(mode.name()))
        .maxInFlight(1)
        .build();
  }
}
