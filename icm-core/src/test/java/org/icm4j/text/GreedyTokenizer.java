package org.icm4j.text;

import java.util.ArrayList;
import java.util.List;

/**
 * A test tokenizer: greedy longest match over a fixed vocabulary (id = position in it); text it
 * cannot match becomes the unknown token {@code 0} ("<unk>"), one per character. Immutable and
 * thread-safe.
 */
final class GreedyTokenizer implements Tokenizer {

  private final List<String> vocabulary;

  GreedyTokenizer(String... pieces) {
    List<String> v = new ArrayList<>();
    v.add("<unk>");
    v.addAll(List.of(pieces));
    this.vocabulary = List.copyOf(v);
  }

  long id(String piece) {
    int i = vocabulary.indexOf(piece);
    if (i < 0) {
      throw new IllegalArgumentException("not in the test vocabulary: " + piece);
    }
    return i;
  }

  int size() {
    return vocabulary.size();
  }

  @Override
  public long[] encode(String text) {
    List<Long> ids = new ArrayList<>();
    int at = 0;
    while (at < text.length()) {
      int best = -1;
      for (int i = 1; i < vocabulary.size(); i++) {
        String p = vocabulary.get(i);
        if (text.startsWith(p, at) && (best < 0 || p.length() > vocabulary.get(best).length())) {
          best = i;
        }
      }
      if (best < 0) {
        ids.add(0L);
        at++;
      } else {
        ids.add((long) best);
        at += vocabulary.get(best).length();
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public boolean isUnknown(long id) {
    return id == 0;
  }

  @Override
  public String toString() {
    return "GreedyTokenizer";
  }
}
