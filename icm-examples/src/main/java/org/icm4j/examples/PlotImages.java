package org.icm4j.examples;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What the PNG plots share: writing the image, and text that is skipped where there are no fonts. */
final class PlotImages {
  private PlotImages() {}

  /** Writes {@code img} as a PNG, creating the parent directory. */
  static void write(BufferedImage img, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(img, "png", file.toFile())) {
        throw new IOException("no PNG writer in this JDK");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the plot " + file + ": " + e.getMessage(), e);
    }
  }

  /** Draws text; a headless JDK without fonts cannot, and then the plot goes without it. */
  static void text(Graphics2D g, String s, int x, int y, Color c) {
    try {
      g.setColor(c);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.drawString(s, x, y);
    } catch (RuntimeException | Error noFonts) {
      if (noFonts instanceof VirtualMachineError fatal) {
        throw fatal;
      }
      // no fonts: the lines alone still tell the story
    }
  }
}
