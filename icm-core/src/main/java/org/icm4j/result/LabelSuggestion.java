package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An example whose label, given by a person as a trusted label, would best decide between the
 * labelings the objective cannot tell apart. Immutable and thread-safe.
 *
 * @param exampleId the example to label
 * @param batch its batch
 * @param score how much its label decides, higher first: the weight of the competing labelings
 *     that label it otherwise than the kept one, plus the model's doubt about its kept label
 * @param keptLabel its label in the result
 * @param otherLabels the labels the competing labelings give it instead, most weighty first
 * @param reason why it was chosen, for people
 */
public record LabelSuggestion(
    String exampleId,
    int batch,
    double score,
    String keptLabel,
    List<String> otherLabels,
    String reason) {
  /**
   * Checks the components and copies the collections.
   *
   * @param exampleId the example to label
   * @param batch its batch
   * @param score how much its label decides, higher first: the weight of the competing labelings
   *     that label it otherwise than the kept one, plus the model's doubt about its kept label
   * @param keptLabel its label in the result
   * @param otherLabels the labels the competing labelings give it instead, most weighty first
   * @param reason why it was chosen, for people
   */
  public LabelSuggestion {
    requireNonNull(exampleId, "exampleId");
    requireNonNull(keptLabel, "keptLabel");
    otherLabels = List.copyOf(requireNonNull(otherLabels, "otherLabels"));
    requireNonNull(reason, "reason");
  }
}
