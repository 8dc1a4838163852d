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
import org.icm4j.examples.FineTuneExperiment.Outcome;

/**
 * Draws the held-out accuracy after each round of iterative fine-tuning as a PNG, with the JDK
 * alone (headless AWT): one thin line per seed, their mean thick, round 0 the base model; the
 * arms fine-tuned on the whole pool (gold, ICM, random labels) as dashed horizontal lines at
 * their mean. Without usable fonts, it is drawn without text.
 */
final class RoundPlot {
  private RoundPlot() {}

  private static final int WIDTH = 960;
  private static final int HEIGHT = 560;
  private static final int LEFT = 70;
  private static final int RIGHT = 230;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final double MIN = 0.3;
  private static final double MAX = 1.0;

  static final Color ITERATIVE = new Color(31, 119, 180);
  static final Color GOLD = new Color(214, 160, 0);
  static final Color ICM = new Color(44, 160, 44);
  static final Color RANDOM = new Color(214, 39, 40);
  static final Color BASE = Color.GRAY;

  static void write(Path file, List<Outcome> outcomes) {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      int rounds = outcomes.stream().mapToInt(o -> o.rounds().size()).min().orElse(0);
      int w = WIDTH - LEFT - RIGHT;
      int h = HEIGHT - TOP - BOTTOM;
      g.setColor(new Color(245, 245, 245));
      g.fillRect(LEFT, TOP, w, h);
      g.setColor(Color.LIGHT_GRAY);
      for (double y = MIN; y <= MAX + 1e-9; y += 0.1) {
        int py = y(y, h);
        g.drawLine(LEFT, py, LEFT + w, py);
        text(g, String.format(Locale.ROOT, "%.0f%%", 100 * y), 20, py + 5, Color.GRAY);
      }
      int span = Math.max(1, rounds);
      for (int r = 0; r <= rounds; r++) {
        text(g, Integer.toString(r), LEFT + w * r / span - 4, TOP + h + 18, Color.GRAY);
      }
      // arms fine-tuned on the whole pool
      float[] dash = {8f, 6f};
      hline(g, outcomes, o -> o.gold().truth(), GOLD, w, h, dash);
      hline(g, outcomes, o -> o.icm().truth(), ICM, w, h, dash);
      hline(g, outcomes, o -> o.random().truth(), RANDOM, w, h, dash);
      hline(g, outcomes, Outcome::baseTruth, BASE, w, h, dash);
      // iterative: per seed and mean
      double[] mean = new double[rounds + 1];
      for (Outcome o : outcomes) {
        double[] ys = new double[rounds + 1];
        ys[0] = o.baseTruth();
        for (int r = 0; r < rounds; r++) {
          ys[r + 1] = o.rounds().get(r).heldOutZeroShot();
        }
        for (int r = 0; r <= rounds; r++) {
          mean[r] += ys[r] / outcomes.size();
        }
        polyline(g, ys, new Color(31, 119, 180, 90), 1.2f, w, h, span);
      }
      polyline(g, mean, ITERATIVE, 3f, w, h, span);
      text(g, "Iterative fine-tuning on ICM's labels: held-out zero-shot accuracy after each round",
          LEFT, 28, Color.BLACK);
      text(g, "round (0 = base model; each round labels one batch, then fine-tunes the base on all labels so far)",
          LEFT, HEIGHT - 18, Color.DARK_GRAY);
      int lx = LEFT + w + 16;
      int ly = TOP + 20;
      legend(g, lx, ly, ITERATIVE, "iterative (mean; thin: seeds)", false);
      legend(g, lx, ly + 24, GOLD, "fine-tuned, gold labels", true);
      legend(g, lx, ly + 48, ICM, "fine-tuned, ICM labels", true);
      legend(g, lx, ly + 72, RANDOM, "fine-tuned, random labels", true);
      legend(g, lx, ly + 96, BASE, "zero-shot, base model", true);
    } finally {
      g.dispose();
    }
    PlotImages.write(img, file);
  }

  private static int y(double value, int h) {
    double v = Math.max(MIN, Math.min(MAX, value));
    return TOP + h - (int) Math.round(h * (v - MIN) / (MAX - MIN));
  }

  private static void hline(
      Graphics2D g, List<Outcome> outcomes, ToDoubleFunction<Outcome> f, Color c, int w, int h, float[] dash) {
    double m = outcomes.stream().mapToDouble(f).average().orElse(Double.NaN);
    if (Double.isNaN(m)) {
      return;
    }
    g.setColor(c);
    g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
    g.drawLine(LEFT, y(m, h), LEFT + w, y(m, h));
    g.setStroke(new BasicStroke(1f));
  }

  private static void polyline(Graphics2D g, double[] ys, Color c, float width, int w, int h, int span) {
    g.setColor(c);
    g.setStroke(new BasicStroke(width));
    for (int r = 1; r < ys.length; r++) {
      if (!Double.isNaN(ys[r - 1]) && !Double.isNaN(ys[r])) {
        g.drawLine(LEFT + w * (r - 1) / span, y(ys[r - 1], h), LEFT + w * r / span, y(ys[r], h));
      }
    }
    g.setStroke(new BasicStroke(1f));
  }

  private static void legend(Graphics2D g, int x, int y, Color c, String name, boolean dashed) {
    g.setColor(c);
    if (dashed) {
      g.fillRect(x, y - 6, 9, 3);
      g.fillRect(x + 13, y - 6, 9, 3);
    } else {
      g.fillRect(x, y - 7, 22, 4);
    }
    text(g, name, x + 28, y, Color.BLACK);
  }

  private static void text(Graphics2D g, String s, int x, int y, Color c) {
    PlotImages.text(g, s, x, y, c);
  }

}
