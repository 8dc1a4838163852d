package org.icm4j.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** The files of an ONNX model, for its {@link OnnxScorer#identity() identity}. Stateless. */
final class ExternalData {
  private ExternalData() {}

  /**
   * The model file and its external data files, in name order: the files next to it named {@code
   * <model file name>_data...} or {@code <model file name>.data...} (Optimum writes {@code
   * model.onnx_data} for a model over 2 GB).
   *
   * @param model the {@code .onnx} file
   * @return the model file first, then its data files
   * @throws UncheckedIOException when the directory cannot be listed
   */
  static List<Path> of(Path model) {
    List<Path> files = new java.util.ArrayList<>();
    files.add(model);
    Path dir = model.toAbsolutePath().getParent();
    String name = model.getFileName().toString();
    if (dir == null) {
      return files;
    }
    try (java.util.stream.Stream<Path> siblings = java.nio.file.Files.list(dir)) {
      siblings
          .filter(p -> {
            String n = p.getFileName().toString();
            return (n.startsWith(name + "_data") || n.startsWith(name + ".data"))
                && java.nio.file.Files.isRegularFile(p);
          })
          .sorted()
          .forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + " to identify the model", e);
    }
    return files;
  }
}
