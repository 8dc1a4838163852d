package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.spi.ConsistencyRule;

/**
 * Trusted labels ({@link org.icm4j.Icm.Builder#trustedLabels}): their check against the data set and
 * the rules, and their place in a batch. Stateless.
 */
final class TrustedLabels {
  private TrustedLabels() {}

  /**
   * Fails at once, naming the example or group, when a trusted label names an example that is not
   * in the data set, or when the trusted labels of a group break a rule that some labeling of the
   * group keeps.
   */
  static void check(List<Example> sorted, Map<String, String> trusted, LabelSpace space, List<ConsistencyRule> rules) {
    if (trusted.isEmpty()) {
      return;
    }
    Map<String, Example> byId = new LinkedHashMap<>();
    for (Example e : sorted) {
      byId.put(e.id(), e);
    }
    Set<String> unknown = new TreeSet<>();
    for (String id : trusted.keySet()) {
      if (!byId.containsKey(id)) {
        unknown.add(id);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          unknown.size()
              + " trusted label"
              + (unknown.size() == 1 ? " names an example" : "s name examples")
              + " that the data set lacks: "
              + quote(unknown)
              + ": give trusted labels only for examples passed to run (ids are case-sensitive)");
    }
    for (Map.Entry<String, String> e : trusted.entrySet()) {
      if (!space.contains(e.getValue())) {
        throw new IllegalArgumentException(
            "the trusted label of example '" + e.getKey() + "' is '" + e.getValue()
                + "', which the label space " + space.names() + " lacks");
      }
    }
    if (rules.isEmpty()) {
      return;
    }
    Map<String, List<Example>> groups = new TreeMap<>();
    for (String id : trusted.keySet()) {
      Example e = java.util.Objects.requireNonNull(byId.get(id), "unknown ids were rejected above");
      groups.computeIfAbsent(e.group(), g -> new ArrayList<>());
    }
    for (Example e : sorted) {
      List<Example> g = groups.get(e.group());
      if (g != null) {
        g.add(e);
      }
    }
    for (Map.Entry<String, List<Example>> g : groups.entrySet()) {
      List<Example> members = g.getValue();
      int[] fixed = fixed(members, trusted, space);
      List<String> broken = new ArrayList<>();
      for (ConsistencyRule rule : rules) {
        GroupIndex one = new GroupIndex(members, space, List.of(rule));
        if (least(one, space.size(), fixed) > least(one, space.size(), none(members.size()))) {
          broken.add(rule.name());
        }
      }
      if (!broken.isEmpty()) {
        StringBuilder given = new StringBuilder();
        for (int i = 0; i < members.size(); i++) {
          if (fixed[i] >= 0) {
            given.append(given.length() == 0 ? "" : ", ").append(members.get(i).id()).append('=').append(space.name(fixed[i]));
          }
        }
        throw new IllegalArgumentException(
            "the trusted labels of group '" + g.getKey() + "' (" + given + ") break the rule"
                + (broken.size() == 1 ? " '" : "s '") + String.join("', '", broken) + "'"
                + ": every labeling of the group that keeps them breaks it, while the group can be"
                + " labelled without breaking it; correct or drop one of these trusted labels");
      }
    }
  }

  /**
   * The least violations of group 0 of {@code index} over the labelings that keep {@code fixed}
   * (every assignment when there are few enough, else the fixed labels alone).
   */
  private static int least(GroupIndex index, int k, int[] fixed) {
    int n = fixed.length;
    int free = 0;
    for (int y : fixed) {
      free += y < 0 ? 1 : 0;
    }
    if (Math.pow(k, free) > Problem.MAX_ENUMERATED_OPTIONS) {
      return index.groupViolations(0, fixed);
    }
    int[] labels = fixed.clone();
    int least = Integer.MAX_VALUE;
    for (long c = 0; c < (long) Math.pow(k, free); c++) {
      long rest = c;
      for (int i = n - 1; i >= 0; i--) {
        if (fixed[i] < 0) {
          labels[i] = (int) (rest % k);
          rest /= k;
        }
      }
      least = Math.min(least, index.groupViolations(0, labels));
    }
    return least;
  }

  private static int[] none(int n) {
    int[] a = new int[n];
    Arrays.fill(a, -1);
    return a;
  }

  /** The trusted label index of each example of a batch (in the batch's order), -1 elsewhere. */
  static int[] fixed(List<Example> batch, Map<String, String> trusted, LabelSpace space) {
    int[] fixed = none(batch.size());
    if (trusted.isEmpty()) {
      return fixed;
    }
    for (int i = 0; i < batch.size(); i++) {
      String label = trusted.get(batch.get(i).id());
      if (label != null) {
        fixed[i] = space.indexOf(label);
      }
    }
    return fixed;
  }

  /** The groups that hold a trusted label. */
  static Set<String> groups(List<Example> sorted, Map<String, String> trusted) {
    Set<String> out = new TreeSet<>();
    if (trusted.isEmpty()) {
      return out;
    }
    for (Example e : sorted) {
      if (trusted.containsKey(e.id())) {
        out.add(e.group());
      }
    }
    return out;
  }

  /** A short digest of the trusted labels, for provenance and checkpoint fingerprints. */
  static String describe(Map<String, String> trusted) {
    if (trusted.isEmpty()) {
      return "none";
    }
    com.google.common.hash.Hasher h = com.google.common.hash.Hashing.sha256().newHasher();
    new TreeMap<>(trusted).forEach(
        (id, label) ->
            h.putString(id, java.nio.charset.StandardCharsets.UTF_8)
                .putByte((byte) 0)
                .putString(label, java.nio.charset.StandardCharsets.UTF_8)
                .putByte((byte) 1));
    return trusted.size() + " (sha256 " + h.hash().toString().substring(0, 16) + ")";
  }

  private static String quote(Set<String> ids) {
    List<String> shown = new ArrayList<>();
    for (String id : ids) {
      if (shown.size() == 5) {
        shown.add("...");
        break;
      }
      shown.add("'" + id + "'");
    }
    return String.join(", ", shown);
  }
}
