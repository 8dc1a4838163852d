package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;
import static org.icm4j.io.JsonFields.checkFirstOccurrence;
import static org.icm4j.io.JsonFields.checkKnownFields;
import static org.icm4j.io.JsonFields.checkText;
import static org.icm4j.io.JsonFields.checkWritable;
import static org.icm4j.io.JsonFields.describe;
import static org.icm4j.io.JsonFields.fieldNames;
import static org.icm4j.io.JsonFields.idOrNull;
import static org.icm4j.io.JsonFields.parseObject;
import static org.icm4j.io.JsonFields.requiredId;
import static org.icm4j.io.JsonFields.requiredString;
import static org.icm4j.io.JsonFields.wrongType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.icm4j.Example;

/**
 * Example records: {@code {"id", "prompt", "group"?, "attributes"?}} lines in and out, and the
 * check that a list of examples has distinct ids. Stateless and thread-safe; a {@link Collector}
 * is one per read.
 */
final class ExampleLines {
  static final List<String> FIELDS = List.of("id", "prompt", "group", "attributes");
  static final Set<String> GOLD_FIELD_NAMES = Set.of("label", "gold");
  static final String FORMAT =
      "each line must be a JSON object with id, prompt and optional group, attributes";

  private ExampleLines() {}

  /** One line per example, in the given order; group and attributes only when they say something. */
  static List<String> lines(List<Example> examples) {
    byId(examples);
    List<String> lines = new ArrayList<>(examples.size());
    for (Example e : examples) {
      String record = "example '" + e.id() + "'";
      ObjectNode n = JsonFields.newObject();
      n.put("id", checkWritable(e.id(), "id", record));
      n.put("prompt", checkWritable(e.prompt(), "prompt", record));
      if (!e.group().equals(e.id())) {
        n.put("group", checkWritable(e.group(), "group", record));
      }
      if (!e.attributes().isEmpty()) {
        ObjectNode a = n.putObject("attributes");
        e.attributes()
            .forEach(
                (key, value) ->
                    a.put(
                        checkWritable(key, "attributes", record),
                        checkWritable(value, "attributes." + key, record)));
      }
      lines.add(JsonFields.toLine(n));
    }
    return lines;
  }

  /** Examples by id, in id order; rejects duplicate ids. */
  static Map<String, Example> byId(List<Example> examples) {
    requireNonNull(examples, "examples");
    Map<String, Example> byId = new TreeMap<>(Comparator.naturalOrder());
    for (Example e : examples) {
      requireNonNull(e, "example");
      checkArgument(
          byId.putIfAbsent(e.id(), e) == null,
          "example id '%s' occurs more than once: ids must be unique",
          e.id());
    }
    return byId;
  }

  /** The ids of the examples, in id order; rejects duplicate ids. */
  static Set<String> ids(List<Example> examples) {
    return byId(examples).keySet();
  }

  /** Collects examples line by line. Not thread-safe; one per read. */
  static final class Collector {
    final String source;
    final List<Example> examples = new ArrayList<>();
    final Map<String, Integer> firstLine = new HashMap<>();

    Collector(String source) {
      this.source = source;
    }

    void accept(int line, String text) {
      ObjectNode obj = parseObject(source, line, text, FORMAT);
      if (obj == null) {
        return;
      }
      for (String field : fieldNames(obj)) {
        if (GOLD_FIELD_NAMES.contains(field)) {
          throw new MalformedInputException(
              source,
              line,
              "field '"
                  + field
                  + "' is not allowed: gold labels do not belong in examples (ICM must never see"
                  + " them) — remove it, put the labels in a separate file of"
                  + " {\"id\": ..., \"label\": ...} lines and read it with Jsonl.readGoldLabels"
                  + " for evaluation",
              idOrNull(obj),
              null);
        }
      }
      checkKnownFields(obj, FIELDS, source, line, FORMAT);
      String id = requiredId(obj, source, line, FORMAT);
      String prompt = requiredString(obj, "prompt", source, line, FORMAT, id);
      if (prompt.isEmpty()) {
        throw new MalformedInputException(
            source,
            line,
            "field 'prompt' of example '" + id + "' must not be empty — " + FORMAT,
            id,
            null);
      }
      String group = id;
      JsonNode g = obj.get("group");
      if (g != null && !g.isNull()) {
        if (!g.isTextual()) {
          throw wrongType(source, line, "group", g, "a string", id);
        }
        group = checkText(g.textValue(), "field 'group' of example '" + id + "'", source, line, id);
        if (group.isBlank()) {
          throw new MalformedInputException(
              source,
              line,
              "field 'group' of example '"
                  + id
                  + "' must not be blank, but was '"
                  + group
                  + "' — omit it to put the example in a group of its own",
              id,
              null);
        }
      }
      Map<String, String> attributes = new TreeMap<>();
      JsonNode a = obj.get("attributes");
      if (a != null && !a.isNull()) {
        if (!a.isObject()) {
          throw wrongType(source, line, "attributes", a, "a JSON object of strings", id);
        }
        for (Map.Entry<String, JsonNode> entry : a.properties()) {
          String key =
              checkText(entry.getKey(), "an attribute name of example '" + id + "'", source, line, id);
          JsonNode v = entry.getValue();
          if (v.isTextual() || v.isNumber() || v.isBoolean()) {
            attributes.put(
                key,
                checkText(
                    v.asText(),
                    "field 'attributes." + key + "' of example '" + id + "'",
                    source,
                    line,
                    id));
          } else if (!v.isNull()) {
            throw new MalformedInputException(
                source,
                line,
                "attribute '"
                    + entry.getKey()
                    + "' of example '"
                    + id
                    + "' must be a string, number or boolean, but was "
                    + describe(v)
                    + " — attribute values cannot be nested; flatten them into separate keys or"
                    + " a string",
                id,
                null);
          }
        }
      }
      checkFirstOccurrence(firstLine, id, source, line, "every example needs its own id");
      examples.add(new Example(id, prompt, group, attributes));
    }
  }
}
