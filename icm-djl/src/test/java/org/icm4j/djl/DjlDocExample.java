package org.icm4j.djl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;

/**
 * docs/djl.md's first example, as written there (between the markers; {@link DjlDocExampleTest}
 * keeps the two equal and runs this in a fresh JVM from the repository root, as a user would).
 */
public final class DjlDocExample {
  private DjlDocExample() {}

  public static void main(String[] args) {
    // --- begin docs/djl.md example ---
    Path dir = Path.of("icm-djl/src/test/resources/fixtures/gpt2-kv"); // or your model's directory
    List<Example> examples = new ArrayList<>();   // 4 questions, two candidate answers each
    for (int x = 1; x <= 4; x++) {
      String q = "Question: what is " + x + " + 1?\nAnswer: ";
      examples.add(Example.of("q" + x + "/a", q + (x + 1) + "\nI think this answer is", "q" + x));
      examples.add(Example.of("q" + x + "/b", q + (x + 2) + "\nI think this answer is", "q" + x));
    }
    try (DjlScorer scorer = DjlScorer.builder()
            .model(TorchScriptLm.load(dir))       // icm4j-torchscript.json, the .pt file
            .tokenizer(TextTokenizer.huggingFace(dir.resolve("tokenizer.json")))
            .build()) {                           // defaults: official template, divide and conquer
      IcmResult result =
          Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(1).build().run(examples);
      System.out.println(result.labels().asMap() + ", U = " + result.utility());
    }
    // --- end docs/djl.md example ---
  }
}
