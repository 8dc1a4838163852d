package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.icm4j.IcmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

  /** icm-djl's hand-built byte-level BPE fixture (see its README): " True" is token 265. */
  private static final Path FIXTURE = Path.of("../icm-djl/src/test/resources/fixtures/tokenizer.json");

  @Test
  void huggingFace_encodesWithTheFilesMergesAndNoSpecialTokens() {
    Tokenizer t = Tokenizer.huggingFace(FIXTURE);

    assertThat(t.encode(" True")).containsExactly(265);
    assertThat(t.encode(" False")).containsExactly(269);
    assertThat(t.encode("True")).containsExactly('T', 'r', 'u', 'e');
  }

  @Test
  void huggingFace_theUnknownTokenIsTheFilesModelUnkToken(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, """
        {"version": "1.0", "pre_tokenizer": {"type": "Whitespace"},
         "model": {"type": "WordLevel", "unk_token": "[UNK]",
                   "vocab": {"[UNK]": 0, "claim": 1, "True": 2}}}
        """);
    Tokenizer t = Tokenizer.huggingFace(file);

    assertThat(t.encode("claim zebra True")).containsExactly(1, 0, 2);
    assertThat(t.isUnknown(0)).isTrue();
    assertThat(t.isUnknown(2)).isFalse();
    assertThat(Tokenizer.huggingFace(FIXTURE).isUnknown(0)).as("a file without unk_token").isFalse();
  }

  @Test
  void huggingFace_namesAMissingFile() {
    assertThatThrownBy(() -> Tokenizer.huggingFace(Path.of("no/such/tokenizer.json")))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("no/such/tokenizer.json does not exist");
  }

  @Test
  void of_givesTheTextLayersIdsAsIntsAndItsUnknownToken() {
    org.icm4j.text.Tokenizer words = new org.icm4j.text.Tokenizer() {
      @Override
      public long[] encode(String text) {
        return text.isEmpty() ? new long[0] : new long[] {7, text.length()};
      }

      @Override
      public boolean isUnknown(long id) {
        return id == 7;
      }
    };
    Tokenizer t = Tokenizer.of(words);

    assertThat(t.encode("abc")).containsExactly(7, 3);
    assertThat(t.isUnknown(7)).isTrue();
    assertThat(t.isUnknown(3)).isFalse();
    assertThatThrownBy(() -> Tokenizer.of(text -> new long[] {1L << 40}).encode("x"))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("token id 1099511627776 does not fit the 32-bit ids");
  }
}
