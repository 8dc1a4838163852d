package org.icm4j.io;

import static java.util.Objects.requireNonNull;
import static org.icm4j.io.JsonFields.checkFirstOccurrence;
import static org.icm4j.io.JsonFields.checkKnownFields;
import static org.icm4j.io.JsonFields.parseObject;
import static org.icm4j.io.JsonFields.requiredId;
import static org.icm4j.io.JsonFields.requiredString;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.jspecify.annotations.Nullable;

/**
 * Label and gold-label records: {@code {"id", "label"}} lines in and out. Stateless and
 * thread-safe; a {@link Collector} is one per read.
 */
final class LabelLines {
  static final List<String> FIELDS = List.of("id", "label");
  static final String FORMAT = "each line must be a JSON object {\"id\": \"...\", \"label\": \"...\"}";

  private LabelLines() {}

  /** One line per id, in id order. */
  static List<String> lines(Map<String, String> labels) {
    List<String> lines = new ArrayList<>(labels.size());
    new TreeMap<>(labels)
        .forEach(
            (id, label) -> {
              String record = "the label of '" + id + "'";
              ObjectNode n = JsonFields.newObject();
              n.put("id", JsonFields.checkWritable(id, "id", record));
              n.put("label", JsonFields.checkWritable(label, "label", record));
              lines.add(JsonFields.toLine(n));
            });
    return lines;
  }

  /**
   * Collects {@code {"id", "label"}} lines; checks ids against the examples when given. Not
   * thread-safe; one per read.
   */
  static final class Collector {
    final String source;
    final LabelSpace space;
    final @Nullable Set<String> exampleIds;
    final Map<String, String> labels = new LinkedHashMap<>();
    final Map<String, Integer> firstLine = new HashMap<>();

    Collector(String source, LabelSpace space, @Nullable Set<String> exampleIds) {
      this.source = source;
      this.space = requireNonNull(space, "labelSpace");
      this.exampleIds = exampleIds;
    }

    void accept(int line, String text) {
      ObjectNode obj = parseObject(source, line, text, FORMAT);
      if (obj == null) {
        return;
      }
      checkKnownFields(obj, FIELDS, source, line, FORMAT);
      String id = requiredId(obj, source, line, FORMAT);
      String label = requiredString(obj, "label", source, line, FORMAT, id);
      if (!space.contains(label)) {
        throw new MalformedInputException(
            source,
            line,
            "unknown label '"
                + label
                + "' for id '"
                + id
                + "': the label space is "
                + space.names()
                + " — use one of these names exactly (case matters)",
            id,
            null);
      }
      if (exampleIds != null && !exampleIds.contains(id)) {
        throw new MalformedInputException(
            source,
            line,
            "id '"
                + id
                + "' is not among the "
                + exampleIds.size()
                + " examples given — the labels file must belong to the same examples",
            id,
            null);
      }
      checkFirstOccurrence(firstLine, id, source, line, "give each id at most one label");
      labels.put(id, label);
    }

    Labeling labeling() {
      Set<String> unlabelled = new HashSet<>(requireNonNull(exampleIds, "exampleIds"));
      unlabelled.removeAll(labels.keySet());
      return new Labeling(space, labels, unlabelled);
    }
  }
}
