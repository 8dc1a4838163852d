package org.icm4j.djl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;

/** Examples and a warmed-up word tokenizer for DjlScorer tests. */
final class ToyWorld {
  static final int VOCAB = 64;

  private ToyWorld() {}

  static List<Example> examples(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new Example(
              String.format("e%03d", i),
              "Question q" + (i % 5) + " claim c" + (i % 7) + " I think this claim is",
              "q" + (i % 5),
              Map.of()));
    }
    return out;
  }

  /** A tokenizer that has seen every word of the examples and labels, in a fixed order. */
  static WordTokenizer tokenizer() {
    WordTokenizer t = new WordTokenizer(VOCAB);
    for (Example e : examples(35)) {
      t.encode(e.prompt());
    }
    for (String l : LabelSpace.binary().names()) {
      t.encode(" " + l);
    }
    t.encode("\n\n");
    return t;
  }

  static DjlScorer scorer(boolean reuse, DjlScorer.LeaveOneOut mode) {
    return DjlScorer.builder()
        .model(new ToyLm(VOCAB, 8, 4096, reuse, 7))
        .tokenizer(tokenizer())
        .leaveOneOut(mode)
        .build();
  }
}
