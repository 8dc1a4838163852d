package org.icm4j.djl.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;

/**
 * Preference pairs and questions over {@link TinyWorld}: in each group {@code gK} the even claim
 * {@code a(2K)} is preferred over the odd one {@code a(2K+1)}; a question {@code qN} asks for the
 * label after {@code "aN"}, its choices {@code " True"} and {@code " False"} judged as the claims
 * {@code "aN True :"} ... (the tiny model reads both words). Immutable.
 */
final class RewardWorld {
  private RewardWorld() {}

  /** The pairs of the groups of claims {@code from .. to - 1} (from even). */
  static List<PreferencePair> pairs(int from, int to) {
    List<PreferencePair> out = new ArrayList<>();
    for (int n = from; n + 1 < to; n += 2) {
      out.add(PreferencePair.of(TinyWorld.claim(n), TinyWorld.claim(n + 1), "even beats odd"));
    }
    return out;
  }

  /** A question per number: "aN" answered " True" or " False". */
  static List<ChoiceQuestion> questions(int from, int to) {
    List<ChoiceQuestion> out = new ArrayList<>();
    for (int n = from; n < to; n++) {
      String id = "q" + n;
      out.add(
          new ChoiceQuestion(
              id,
              "a" + n,
              List.of(
                  new Choice(" True", new Example(id + "-true", "a" + n + " True", id, Map.of())),
                  new Choice(" False", new Example(id + "-false", "a" + n + " False", id, Map.of())))));
    }
    return out;
  }

  /** Whether a choice's claim is right: True for even numbers. */
  static boolean right(Example claim) {
    String[] words = claim.prompt().split(" ");
    boolean even = Integer.parseInt(words[0].substring(1)) % 2 == 0;
    return words[1].equals("True") == even;
  }
}
