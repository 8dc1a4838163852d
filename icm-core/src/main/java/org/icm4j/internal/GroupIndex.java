package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.spi.ConsistencyRule;
import org.jspecify.annotations.Nullable;

/**
 * The examples of one batch in id order, their groups, and the rules: everything needed to count
 * inconsistencies per group. Immutable and thread-safe.
 */
final class GroupIndex {
  final List<Example> examples;
  final LabelSpace space;
  final int[] groupOf;
  final int[][] members;
  private final List<ConsistencyRule> pairRules;
  private final List<ConsistencyRule> groupRules;

  GroupIndex(List<Example> sortedExamples, LabelSpace space, List<ConsistencyRule> rules) {
    this.examples = List.copyOf(sortedExamples);
    this.space = space;
    int n = examples.size();
    groupOf = new int[n];
    Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byGroup.computeIfAbsent(examples.get(i).group(), g -> new ArrayList<>()).add(i);
    }
    members = new int[byGroup.size()][];
    int g = 0;
    for (List<Integer> list : byGroup.values()) {
      members[g] = list.stream().mapToInt(Integer::intValue).toArray();
      for (int i : members[g]) {
        groupOf[i] = g;
      }
      g++;
    }
    pairRules = rules.stream().filter(ConsistencyRule::hasPairPart).toList();
    groupRules = rules.stream().filter(ConsistencyRule::hasGroupPart).toList();
  }

  int size() {
    return examples.size();
  }

  int groupCount() {
    return members.length;
  }

  boolean hasRules() {
    return !pairRules.isEmpty() || !groupRules.isEmpty();
  }

  /** Whether two labelled examples are consistent under every pair rule. */
  boolean pairConsistent(int a, int la, int b, int lb) {
    if (pairRules.isEmpty()) {
      return true;
    }
    int x = a < b ? a : b;
    int y = a < b ? b : a;
    int lx = a < b ? la : lb;
    int ly = a < b ? lb : la;
    Example ex = examples.get(x);
    Example ey = examples.get(y);
    String nx = space.name(lx);
    String ny = space.name(ly);
    for (ConsistencyRule r : pairRules) {
      if (!r.pairConsistent(ex, nx, ey, ny)) {
        return false;
      }
    }
    return true;
  }

  /** Number of group rules group {@code g} violates under {@code labels}. */
  int groupRuleViolations(int g, int[] labels) {
    if (groupRules.isEmpty()) {
      return 0;
    }
    int[] m = members[g];
    List<Example> exs = new ArrayList<>(m.length);
    List<@Nullable String> names = new ArrayList<>(m.length);
    for (int i : m) {
      exs.add(examples.get(i));
      names.add(labels[i] < 0 ? null : space.name(labels[i]));
    }
    List<Example> exView = java.util.Collections.unmodifiableList(exs);
    List<@Nullable String> nameView = java.util.Collections.unmodifiableList(names);
    int v = 0;
    for (ConsistencyRule r : groupRules) {
      if (!r.groupConsistent(exView, nameView)) {
        v++;
      }
    }
    return v;
  }

  /** Violations in group {@code g}: inconsistent labelled pairs plus violated group rules. */
  int groupViolations(int g, int[] labels) {
    int[] m = members[g];
    int v = 0;
    if (!pairRules.isEmpty()) {
      for (int p = 0; p < m.length; p++) {
        int a = m[p];
        if (labels[a] < 0) {
          continue;
        }
        for (int q = p + 1; q < m.length; q++) {
          int b = m[q];
          if (labels[b] >= 0 && !pairConsistent(a, labels[a], b, labels[b])) {
            v++;
          }
        }
      }
    }
    return v + groupRuleViolations(g, labels);
  }

  /** The violations of group {@code g} as witnesses: violating pairs, then the group's labelled members. */
  void witnesses(int g, int[] labels, List<int[]> out) {
    int[] m = members[g];
    for (int p = 0; p < m.length; p++) {
      int a = m[p];
      if (labels[a] < 0) {
        continue;
      }
      for (int q = p + 1; q < m.length; q++) {
        int b = m[q];
        if (labels[b] >= 0 && !pairConsistent(a, labels[a], b, labels[b])) {
          out.add(new int[] {a, b});
        }
      }
    }
    if (groupRuleViolations(g, labels) > 0) {
      out.add(Arrays.stream(m).filter(i -> labels[i] >= 0).toArray());
    }
  }

  /**
   * Whether a witness is consistent under {@code labels}: no pair among its members violates a
   * pair rule and, when its members share a group, that group violates no group rule.
   */
  boolean witnessConsistent(int[] witness, int[] labels) {
    for (int p = 0; p < witness.length; p++) {
      for (int q = p + 1; q < witness.length; q++) {
        int a = witness[p];
        int b = witness[q];
        if (labels[a] >= 0 && labels[b] >= 0 && !pairConsistent(a, labels[a], b, labels[b])) {
          return false;
        }
      }
    }
    return groupRuleViolations(groupOf[witness[0]], labels) == 0;
  }
}
