package org.icm4j.http;

import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic stand-in for a served model: a word-level vocabulary (words split at spaces, a
 * newline its own token) and full-vocabulary log-probabilities of the next token that depend on
 * every token of the prompt. Immutable and thread-safe.
 */
final class ToyLm {

  static final List<String> WORDS = List.of(
      "<pad>", "\n", ":", "True", "False", "Maybe", "so", "claim", "the", "sky", "is", "blue", "green",
      "grass", "red", "water", "wet", "dry", "fire", "hot", "cold", "ice", "sun", "moon", "a", "b");

  int vocabularySize() {
    return WORDS.size();
  }

  /** The word tokenizer; {@code shift} adds to every id (another model's vocabulary). */
  static int[] encode(String text, int shift) {
    List<Integer> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : ' ';
      if (c == ' ' || c == '\n') {
        if (word.length() > 0) {
          int id = WORDS.indexOf(word.toString());
          if (id < 0) {
            throw new IllegalArgumentException("word '" + word + "' is not in the toy vocabulary");
          }
          out.add(id + shift);
          word.setLength(0);
        }
        if (c == '\n') {
          out.add(1 + shift);
        }
      } else {
        word.append(c);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Log-softmax over the vocabulary of the token after {@code prompt}. */
  double[] nextTokenLogProbs(int[] prompt) {
    long h = 0x9E3779B97F4A7C15L;
    for (int t : prompt) {
      h = mix(h ^ (t + 0x632BE59BD9B4E019L));
    }
    double[] logits = new double[WORDS.size()];
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < logits.length; v++) {
      long z = mix(h + v * 0xBF58476D1CE4E5B9L);
      logits[v] = 4.0 * ((z >>> 11) * 0x1.0p-53) - 2.0;
      max = Math.max(max, logits[v]);
    }
    double sum = 0;
    for (double l : logits) {
      sum += Math.exp(l - max);
    }
    double log = max + Math.log(sum);
    for (int v = 0; v < logits.length; v++) {
      logits[v] -= log;
    }
    return logits;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
