package org.icm4j.djl.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.text.PromptLayout;

/**
 * A world small enough to fine-tune in a test: claims {@code "aN"} in groups of two ({@code a0,
 * a1}, {@code a2, a3}, ...), labelled True when N is even (exactly one True per group), a word
 * tokenizer and a fresh 1-layer GPT. The label follows the item's own token, so a label is
 * learnt at the item's position even in a many-shot sequence (a prompt "aN :" would need an
 * attention head that looks one token back, which this model does not learn in a test's budget).
 * Immutable; the models are the caller's.
 */
final class TinyWorld {
  static final int ITEMS = 40;
  static final List<String> WORDS = words();
  static final PromptLayout TEMPLATE =
      new PromptLayout(Map.of("True", " True", "False", " False"), "\n");
  static final GptConfig SHAPE = new GptConfig(WORDS.size(), 96, 1, 2, 16, 32, 3L);

  private TinyWorld() {}

  private static List<String> words() {
    List<String> w = new ArrayList<>(List.of("<pad>", "\n", ":", "True", "False", "x"));
    for (int i = 0; i < ITEMS; i++) {
      w.add("a" + i);
    }
    return List.copyOf(w);
  }

  static Example claim(int n) {
    return new Example(String.format("a%02d", n), "a" + n, "g" + (n / 2), Map.of());
  }

  static List<Example> claims(int from, int to) {
    List<Example> out = new ArrayList<>();
    for (int n = from; n < to; n++) {
      out.add(claim(n));
    }
    return out;
  }

  /** True when the number is even. */
  static Labeling even(List<Example> examples) {
    Map<String, String> m = new HashMap<>();
    for (Example e : examples) {
      int n = Integer.parseInt(e.prompt().substring(1));
      m.put(e.id(), n % 2 == 0 ? "True" : "False");
    }
    return new Labeling(LabelSpace.binary(), m, new HashSet<>());
  }

  static BlockLm model() {
    return BlockLm.create(SHAPE, ai.djl.Device.cpu());
  }

  /** Words split at spaces, newline its own token; an unknown word is id 0. */
  static TextTokenizer tokenizer() {
    Map<String, Long> ids = new HashMap<>();
    for (int i = 0; i < WORDS.size(); i++) {
      ids.put(WORDS.get(i), (long) i);
    }
    return new TextTokenizer() {
      @Override
      public long[] encode(String text) {
        List<Long> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
          for (String w : line.split(" ")) {
            if (!w.isEmpty()) {
              out.add(ids.getOrDefault(w, 0L));
            }
          }
          out.add(1L);
        }
        out.remove(out.size() - 1);
        return out.stream().mapToLong(Long::longValue).toArray();
      }

      @Override
      public boolean isUnknown(long id) {
        return id == 0;
      }

      @Override
      public String toString() {
        return "TinyWorld.tokenizer";
      }
    };
  }

  /**
   * Fast settings that memorize the 24 claims of a request (measured: label loss 0.07 after 30
   * epochs of 6 steps, about 2 s), a quarter of the groups for validation, patience 30.
   */
  static FineTuneOptions options() {
    return FineTuneOptions.defaults()
        .withMaxEpochs(30)
        .withBatchSize(4)
        .withLearningRate(2e-2, 2e-3)
        .withWarmupSteps(2)
        .withValidation(0.25, 30);
  }
}
