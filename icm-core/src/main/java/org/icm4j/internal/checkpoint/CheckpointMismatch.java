package org.icm4j.internal.checkpoint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Says in words what differs between the run that wrote a checkpoint's header and the run that
 * reads it: the settings (the search and the scorer first), how many examples each has, and which
 * are new, missing or changed. Stateless.
 */
final class CheckpointMismatch {
  private CheckpointMismatch() {}

  /** What differs between the run that wrote the header and this one, in words. */
  static String describe(CheckpointFormat.HeaderLine h, CheckpointStore.Expected expected) {
    List<String> out = new ArrayList<>();
    Map<String, String> mine = expected.configuration();
    Map<String, String> theirs = h.configuration();
    // the search and the scorer first (they explain the rest), then settings both runs have
    List<String> keys = new ArrayList<>(new TreeSet<>(union(mine.keySet(), theirs.keySet())));
    keys.sort(
        Comparator.comparingInt(
            (String key) -> key.equals("search") || key.startsWith("scorer") ? 0 : mine.containsKey(key) && theirs.containsKey(key) ? 1 : 2));
    for (String key : keys) {
      String a = theirs.get(key);
      String b = mine.get(key);
      if (Objects.equals(a, b)) {
        continue;
      }
      if (key.equals("scorer") && a != null && b != null) {
        out.add(
            "the scorer is " + a + " in the checkpoint, " + b + " in this run (a checkpoint resumes only"
                + " with a scorer of the class that wrote it)");
      } else if (key.startsWith("scorer.")) {
        out.add(
            "the scorer's " + key.substring("scorer.".length()) + " is "
                + (a == null ? "not recorded" : a) + " in the checkpoint, " + (b == null ? "not given" : b)
                + " in this run (LabelScorer.identity(): a checkpoint resumes only with the model that"
                + " wrote it)");
      } else if (a == null) {
        out.add("setting '" + key + "' is " + b + " in this run and not set in the checkpoint");
      } else if (b == null) {
        out.add("setting '" + key + "' is " + a + " in the checkpoint and not set in this run");
      } else {
        out.add("setting '" + key + "' is " + a + " in the checkpoint, " + b + " in this run");
      }
    }
    out.addAll(exampleDifferences(h.examples(), expected));
    if (out.isEmpty()) {
      return "its fingerprint is " + h.fingerprint() + ", this run's " + expected.fingerprint()
          + " (no setting or example differs that the header records)";
    }
    int shown = Math.min(out.size(), 4);
    String text = String.join("; ", out.subList(0, shown));
    return out.size() > shown ? text + "; and " + (out.size() - shown) + " more differences" : text;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static List<String> exampleDifferences(List<List<String>> stored, CheckpointStore.Expected expected) {
    Map<String, CheckpointStore.ExampleDigest> theirs = new LinkedHashMap<>();
    for (List<String> e : stored) {
      if (e.size() == 4) {
        theirs.put(e.get(0), new CheckpointStore.ExampleDigest(e.get(0), e.get(1), e.get(2), e.get(3)));
      }
    }
    Map<String, CheckpointStore.ExampleDigest> mine = new LinkedHashMap<>();
    for (CheckpointStore.ExampleDigest e : expected.examples()) {
      mine.put(e.id(), e);
    }
    List<String> details = new ArrayList<>();
    for (CheckpointStore.ExampleDigest e : expected.examples()) {
      CheckpointStore.ExampleDigest t = theirs.get(e.id());
      if (t == null) {
        details.add("'" + e.id() + "' is new");
      } else if (!t.prompt().equals(e.prompt())) {
        details.add("'" + e.id() + "' has another prompt");
      } else if (!t.group().equals(e.group())) {
        details.add("'" + e.id() + "' has another group");
      } else if (!t.attributes().equals(e.attributes())) {
        details.add("'" + e.id() + "' has other attributes");
      }
    }
    for (String id : theirs.keySet()) {
      if (!mine.containsKey(id)) {
        details.add("'" + id + "' is missing from this run");
      }
    }
    List<String> out = new ArrayList<>();
    if (theirs.size() != mine.size()) {
      out.add("the checkpoint has " + theirs.size() + " examples, this run " + mine.size());
    }
    int shown = Math.min(details.size(), 3);
    if (shown > 0) {
      String text = String.join(", ", details.subList(0, shown));
      out.add(details.size() > shown ? text + " and " + (details.size() - shown) + " more examples differ" : text);
    }
    return out;
  }
}
