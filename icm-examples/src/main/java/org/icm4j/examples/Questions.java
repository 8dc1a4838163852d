package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/** Choosing questions by index, and the prompt template; shared by the loaders. */
final class Questions {
  private Questions() {}

  /** {@code 0 .. n-1}. */
  static List<Integer> first(int n, int total) {
    checkCount(n, total);
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return List.copyOf(out);
  }

  /**
   * {@code n} distinct indices of {@code 0 .. total-1}, drawn with {@code new
   * SplittableRandom(seed)} (the first {@code n} steps of a Fisher-Yates shuffle), in ascending
   * order.
   */
  static List<Integer> sample(int n, int total, long seed) {
    checkCount(n, total);
    int[] all = new int[total];
    for (int i = 0; i < total; i++) {
      all[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(total - i);
      int tmp = all[i];
      all[i] = all[j];
      all[j] = tmp;
    }
    TreeSet<Integer> chosen = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      chosen.add(all[i]);
    }
    return List.copyOf(chosen);
  }

  /** The indices, sorted and checked: non-empty, distinct, each in {@code 0 .. total-1}. */
  static List<Integer> checkIndices(Collection<Integer> indices, int total) {
    checkArgument(!indices.isEmpty(), "choose at least one question");
    TreeSet<Integer> sorted = new TreeSet<>();
    for (Integer i : indices) {
      checkArgument(
          i != null && i >= 0 && i < total,
          "question index must be in [0, %s), but was %s",
          total,
          i);
      checkArgument(sorted.add(i), "question index %s is given more than once", i);
    }
    return List.copyOf(sorted);
  }

  private static void checkCount(int n, int total) {
    checkArgument(
        n >= 1 && n <= total, "number of questions must be in [1, %s], but was %s", total, n);
  }

  /** The official ICM claim prompt; no trailing space (the verbalizer brings " True"). */
  static String prompt(String question, String claim) {
    return "Question: " + question + "\nClaim: " + claim + "\nI think this claim is";
  }

  /**
   * {@code text} cut to at most {@code maxChars} characters (never inside a surrogate pair), or
   * {@code text} itself when it is not longer.
   */
  static String truncate(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    int end = maxChars;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }
}
