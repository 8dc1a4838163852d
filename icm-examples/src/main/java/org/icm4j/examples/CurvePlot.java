package org.icm4j.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Draws U and agreement with gold over the iterations of ICM runs as a PNG, with the JDK alone
 * (headless AWT). Two panels share the iteration axis: U above, agreement below; one line per
 * chain, one colour per run. If the machine has no usable fonts, the plot is drawn without text.
 */
final class CurvePlot {
  private CurvePlot() {}

  /** A named series of points (one run). */
  record Series(String name, Color colour, List<WorldExperiment.Point> points) {}

  static final Color ICM = new Color(31, 119, 180);
  static final Color NO_RULES = new Color(255, 127, 14);

  private static final int WIDTH = 960;
  private static final int PANEL = 300;
  private static final int LEFT = 80;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int GAP = 50;

  static void write(Path file, String title, List<Series> series) {
    write(file, title, "U = alpha P - I", "agreement with gold (never seen by the search)", "iteration", series);
  }

  /**
   * The same plot with other labels: {@code top} names the upper panel's value ({@link
   * WorldExperiment.Point#utility()}), {@code bottom} the lower panel's, in [0, 1] ({@link
   * WorldExperiment.Point#agreement()}), {@code axis} names the horizontal axis ({@link WorldExperiment.Point#iteration()}).
   */
  static void write(Path file, String title, String top, String bottom, String axis, List<Series> series) {
    BufferedImage img =
        new BufferedImage(WIDTH, TOP + 2 * PANEL + GAP + 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      int maxIteration = 1;
      double minU = Double.POSITIVE_INFINITY;
      double maxU = Double.NEGATIVE_INFINITY;
      for (Series s : series) {
        for (WorldExperiment.Point p : s.points()) {
          maxIteration = Math.max(maxIteration, p.iteration());
          minU = Math.min(minU, p.utility());
          maxU = Math.max(maxU, p.utility());
        }
      }
      if (!(maxU > minU)) {
        minU -= 1;
        maxU += 1;
      }
      panel(g, series, TOP, maxIteration, minU, maxU, WorldExperiment.Point::utility);
      panel(g, series, TOP + PANEL + GAP, maxIteration, 0, 1, WorldExperiment.Point::agreement);
      text(g, title, LEFT, 24, Color.BLACK);
      text(g, top, LEFT + 8, TOP + 18, Color.DARK_GRAY);
      text(g, bottom, LEFT + 8, TOP + PANEL + GAP + 18, Color.DARK_GRAY);
      text(g, fmt(maxU), 8, TOP + 12, Color.GRAY);
      text(g, fmt((minU + maxU) / 2), 8, TOP + PANEL / 2 + 5, Color.GRAY);
      text(g, fmt(minU), 8, TOP + PANEL, Color.GRAY);
      text(g, "1.0", 8, TOP + PANEL + GAP + 12, Color.GRAY);
      text(g, "0.5", 8, TOP + PANEL + GAP + PANEL / 2 + 5, Color.GRAY);
      text(g, "0.0", 8, TOP + 2 * PANEL + GAP, Color.GRAY);
      int y = TOP + 2 * PANEL + GAP + 30;
      text(g, axis + " 1 .. " + maxIteration, LEFT, y, Color.DARK_GRAY);
      int x = LEFT + 250;
      for (Series s : series) {
        g.setColor(s.colour());
        g.fillRect(x, y - 10, 20, 4);
        text(g, s.name(), x + 26, y, Color.BLACK);
        x += 260;
      }
    } finally {
      g.dispose();
    }
    PlotImages.write(img, file);
  }

  private static void panel(
      Graphics2D g,
      List<Series> series,
      int top,
      int maxIteration,
      double min,
      double max,
      ToDoubleFunction<WorldExperiment.Point> value) {
    int w = WIDTH - LEFT - RIGHT;
    g.setColor(new Color(245, 245, 245));
    g.fillRect(LEFT, top, w, PANEL);
    g.setColor(Color.LIGHT_GRAY);
    g.drawRect(LEFT, top, w, PANEL);
    g.drawLine(LEFT, top + PANEL / 2, LEFT + w, top + PANEL / 2);
    g.setStroke(new BasicStroke(1.5f));
    for (Series s : series) {
      g.setColor(s.colour());
      WorldExperiment.Point prev = null;
      for (WorldExperiment.Point p : s.points()) {
        double v = value.applyAsDouble(p);
        if (prev != null && prev.chain() == p.chain() && !Double.isNaN(v)) {
          double pv = value.applyAsDouble(prev);
          if (!Double.isNaN(pv)) {
            g.drawLine(
                LEFT + (int) ((long) w * prev.iteration() / maxIteration),
                top + PANEL - (int) (PANEL * (pv - min) / (max - min)),
                LEFT + (int) ((long) w * p.iteration() / maxIteration),
                top + PANEL - (int) (PANEL * (v - min) / (max - min)));
          }
        }
        prev = p;
      }
    }
  }

  private static void text(Graphics2D g, String s, int x, int y, Color c) {
    PlotImages.text(g, s, x, y, c);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
