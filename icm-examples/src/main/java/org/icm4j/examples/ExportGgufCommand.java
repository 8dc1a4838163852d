package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GgufExport;
import org.icm4j.djl.GgufVocabulary;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes the embedded world model (or a {@link BlockLm} saved by {@link TrainCommand}) as a GGUF
 * file with the synthetic world's vocabulary, for llama.cpp's {@code llama-server}:
 *
 * <pre>{@code
 * mvn -B -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.ExportGgufCommand \
 *   -Dexec.args="--out world-model.gguf"
 * llama-server -m world-model.gguf --host 127.0.0.1 --port 8080 -fa off -ctk f32 -ctv f32 -np 1
 * mvn -B -q -pl icm-examples exec:java -Dexec.args="--llama-server http://127.0.0.1:8080"
 * }</pre>
 *
 * <p>Exit codes: 0 written, 1 failed, 2 bad options. Not thread-safe: an instance holds the parsed
 * options of one run.
 */
@Command(
    name = "icm-export-gguf",
    mixinStandardHelpOptions = true,
    version = "icm4j icm-export-gguf 0.1.0-SNAPSHOT",
    description = "Writes the embedded world model (or --block-model DIR) as GGUF for llama.cpp's llama-server.")
public final class ExportGgufCommand implements Callable<Integer> {

  @Spec @Nullable CommandSpec spec;

  @Option(names = "--out", defaultValue = "world-model.gguf", paramLabel = "FILE",
      description = "The GGUF file to write (default ${DEFAULT-VALUE}).")
  Path out = Path.of("world-model.gguf");

  @Mixin SharedOptions.BlockModel blockModel = new SharedOptions.BlockModel();

  /** A command with no options set; picocli fills them in. */
  public ExportGgufCommand() {}

  /**
   * Runs the command and exits with its code.
   *
   * @param args the command line; {@code --help} lists the options
   */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.exit(Commands.execute(
        new ExportGgufCommand(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    try {
      writeWorldModel(blockModel.dir, out);
      s.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%d bytes)%n", out, Files.size(out));
      return 0;
    } catch (IOException | RuntimeException e) {
      s.commandLine().getErr().println("icm-export-gguf: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Writes the embedded model (or the one in {@code blockModel}) with the world's vocabulary.
   *
   * @throws IOException when the embedded model cannot be copied out of the class path
   */
  static void writeWorldModel(@Nullable Path blockModel, Path file) throws IOException {
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    Path dir = blockModel != null ? blockModel : DemoCommand.extractEmbeddedModel();
    try (BlockLm lm = BlockLm.load(dir, Device.cpu())) {
      GgufExport.write(lm, GgufVocabulary.words(world.vocabulary(), 0),
          blockModel == null ? "icm4j-world-model" : blockModel.getFileName().toString(), file);
    } finally {
      if (blockModel == null) {
        try (var files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(dir);
      }
    }
  }
}
