package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/djl.md's first example is {@link DjlDocExample}'s, and it runs on the shipped fixture. */
class DjlDocExampleTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** The lines between the markers, without their common indentation. */
  private static List<String> marked(List<String> lines) {
    int from = -1;
    int to = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("--- begin docs/djl.md example ---")) {
        from = i + 1;
      } else if (lines.get(i).contains("--- end docs/djl.md example ---")) {
        to = i;
      }
    }
    assertThat(from).as("markers in DjlDocExample.java").isPositive();
    return dedent(lines.subList(from, to));
  }

  private static List<String> dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
  }

  /** The first java block of docs/djl.md. */
  private static List<String> firstJavaBlock(List<String> doc) {
    int from = doc.indexOf("```java") + 1;
    int to = doc.subList(from, doc.size()).indexOf("```") + from;
    return dedent(doc.subList(from, to));
  }

  @Test
  void docsExample_isTheExampleThisModuleRuns() throws IOException {
    List<String> doc = Files.readAllLines(ROOT.resolve("docs/djl.md"), StandardCharsets.UTF_8);
    List<String> source =
        Files.readAllLines(
            Path.of("src/test/java/org/icm4j/djl/DjlDocExample.java"), StandardCharsets.UTF_8);

    assertThat(firstJavaBlock(doc)).isEqualTo(marked(source));
  }

  @Test
  void docsExample_runsAsWrittenFromTheRepositoryRoot() throws Exception {
    ChildJvm.Result r = ChildJvm.run(DjlDocExample.class, Map.of(), List.of(), 600, ROOT);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).containsPattern("\\{q1/a=(True|False), q1/b=(True|False), .*\\}, U = ");
  }
}
