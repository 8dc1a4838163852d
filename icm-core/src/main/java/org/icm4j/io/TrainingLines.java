package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;
import static org.icm4j.io.JsonFields.checkWritable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.reward.PreferencePair;

/**
 * Training records derived from a labelling: SFT records and preference pairs, as lines (written
 * only; icm4j does not read them back). Stateless and thread-safe.
 */
final class TrainingLines {
  private TrainingLines() {}

  /** {@code {"id", "prompt", "completion"}} per labelled example, in id order. */
  static List<String> sft(List<Example> examples, Labeling labels) {
    requireNonNull(labels, "labels");
    List<String> lines = new ArrayList<>();
    for (Example e : ExampleLines.byId(examples).values()) {
      labels
          .label(e.id())
          .ifPresent(
              label -> {
                String record = "the SFT record of example '" + e.id() + "'";
                ObjectNode n = JsonFields.newObject();
                n.put("id", checkWritable(e.id(), "id", record));
                n.put("prompt", checkWritable(e.prompt(), "prompt", record));
                n.put("completion", checkWritable(label, "completion", record));
                lines.add(JsonFields.toLine(n));
              });
    }
    return lines;
  }

  /** {@code {"prompt", "chosen", "rejected", "source_id"}} per distinct labelled comparison. */
  static List<String> preferencePairs(
      List<Example> examples,
      Labeling labels,
      String queryAttribute,
      String leftAttribute,
      String rightAttribute,
      String trueLabel) {
    requireNonNull(labels, "labels");
    requireNonNull(queryAttribute, "queryAttribute");
    requireNonNull(leftAttribute, "leftAttribute");
    requireNonNull(rightAttribute, "rightAttribute");
    requireNonNull(trueLabel, "trueLabel");
    checkArgument(
        labels.labelSpace().contains(trueLabel),
        "trueLabel '%s' is not in the label space %s",
        trueLabel,
        labels.labelSpace().names());
    Set<List<String>> seen = new HashSet<>();
    List<String> lines = new ArrayList<>();
    for (Example e : ExampleLines.byId(examples).values()) {
      String label = labels.label(e.id()).orElse(null);
      if (label == null) {
        continue;
      }
      String query = attribute(e, queryAttribute, "queryAttribute");
      String left = attribute(e, leftAttribute, "leftAttribute");
      String right = attribute(e, rightAttribute, "rightAttribute");
      boolean holds = label.equals(trueLabel);
      String chosen = holds ? left : right;
      String rejected = holds ? right : left;
      if (!seen.add(List.of(query, chosen, rejected))) {
        continue;
      }
      String record = "the preference pair of example '" + e.id() + "'";
      ObjectNode n = JsonFields.newObject();
      n.put("prompt", checkWritable(query, "prompt", record));
      n.put("chosen", checkWritable(chosen, "chosen", record));
      n.put("rejected", checkWritable(rejected, "rejected", record));
      n.put("source_id", checkWritable(e.id(), "source_id", record));
      lines.add(JsonFields.toLine(n));
    }
    return lines;
  }

  /**
   * {@code {"group", "chosen_id", "chosen", "rejected_id", "rejected", "source"}} per pair, in the
   * order given, with {@code "chosen_probability"} and {@code "rejected_probability"} when known.
   */
  static List<String> pairs(List<PreferencePair> pairs) {
    requireNonNull(pairs, "pairs");
    List<String> lines = new ArrayList<>(pairs.size());
    for (PreferencePair p : pairs) {
      requireNonNull(p, "pairs must not contain null");
      String record = "the preference pair " + p.id();
      ObjectNode n = JsonFields.newObject();
      n.put("group", checkWritable(p.group(), "group", record));
      n.put("chosen_id", checkWritable(p.chosen().id(), "chosen_id", record));
      n.put("chosen", checkWritable(p.chosen().prompt(), "chosen", record));
      n.put("rejected_id", checkWritable(p.rejected().id(), "rejected_id", record));
      n.put("rejected", checkWritable(p.rejected().prompt(), "rejected", record));
      n.put("source", checkWritable(p.source(), "source", record));
      if (!Double.isNaN(p.chosenProbability())) {
        n.put("chosen_probability", p.chosenProbability());
      }
      if (!Double.isNaN(p.rejectedProbability())) {
        n.put("rejected_probability", p.rejectedProbability());
      }
      lines.add(JsonFields.toLine(n));
    }
    return lines;
  }

  /** {@code {"prompt", "chosen", "rejected"}} per distinct pair, from the responses' attributes. */
  static List<String> dpo(List<PreferencePair> pairs, String promptAttribute, String responseAttribute) {
    requireNonNull(promptAttribute, "promptAttribute");
    requireNonNull(responseAttribute, "responseAttribute");
    Set<List<String>> seen = new HashSet<>();
    List<String> lines = new ArrayList<>(pairs.size());
    for (PreferencePair p : pairs) {
      requireNonNull(p, "pairs must not contain null");
      String record = "the DPO pair " + p.id();
      String prompt = attribute(p.chosen(), promptAttribute, "promptAttribute");
      String other = attribute(p.rejected(), promptAttribute, "promptAttribute");
      checkArgument(
          prompt.equals(other),
          "the responses of pair %s answer different prompts: attribute '%s' is '%s' for '%s' and '%s'"
              + " for '%s'; a DPO pair compares two responses to one prompt",
          p.id(),
          promptAttribute,
          prompt,
          p.chosen().id(),
          other,
          p.rejected().id());
      String chosen = attribute(p.chosen(), responseAttribute, "responseAttribute");
      String rejected = attribute(p.rejected(), responseAttribute, "responseAttribute");
      if (!seen.add(List.of(prompt, chosen, rejected))) {
        continue;
      }
      ObjectNode n = JsonFields.newObject();
      n.put("prompt", checkWritable(prompt, "prompt", record));
      n.put("chosen", checkWritable(chosen, "chosen", record));
      n.put("rejected", checkWritable(rejected, "rejected", record));
      lines.add(JsonFields.toLine(n));
    }
    return lines;
  }

  private static String attribute(Example e, String key, String role) {
    String value = e.attribute(key);
    if (value == null) {
      throw new IllegalArgumentException(
          "example '"
              + e.id()
              + "' has no attribute '"
              + key
              + "' (the "
              + role
              + "); its attributes are "
              + e.attributes().keySet()
              + ": give every comparison example its query, left and right attributes");
    }
    return value;
  }
}
