package org.icm4j.djl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test tokenizer: splits at spaces keeping the space with the following word (" True" is one
 * token), "\n" is its own token, words get ids in order of first sight up to a vocabulary limit;
 * unknown words beyond it map to id 0. Thread-safe.
 */
final class WordTokenizer implements TextTokenizer {
  private final Map<String, Long> ids = new ConcurrentHashMap<>();
  private final int vocabulary;

  WordTokenizer(int vocabulary) {
    this.vocabulary = vocabulary;
    ids.put("<unk>", 0L);
  }

  @Override
  public synchronized long[] encode(String text) {
    List<String> pieces = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '\n') {
        if (cur.length() > 0) {
          pieces.add(cur.toString());
          cur.setLength(0);
        }
        pieces.add("\n");
      } else if (c == ' ' && cur.length() > 0 && !cur.toString().isBlank()) {
        pieces.add(cur.toString());
        cur.setLength(0);
        cur.append(c);
      } else {
        cur.append(c);
      }
    }
    if (cur.length() > 0) {
      pieces.add(cur.toString());
    }
    long[] out = new long[pieces.size()];
    for (int i = 0; i < out.length; i++) {
      String p = pieces.get(i);
      Long id = ids.get(p);
      if (id == null) {
        id = ids.size() < vocabulary ? (long) ids.size() : 0L;
        if (id != 0) {
          ids.put(p, id);
        }
      }
      out[i] = id;
    }
    return out;
  }

  @Override
  public boolean isUnknown(long id) {
    return id == 0;
  }

  @Override
  public String toString() {
    return "WordTokenizer";
  }
}
