/**
 * The text layer every language-model scorer shares, with no ML dependency: how examples and
 * labels become text ({@link org.icm4j.text.PromptLayout}), how text becomes token ids ({@link
 * org.icm4j.text.Tokenizer}), the checks at the prompt/label boundary and the token ids of
 * prompts, labels and demonstrations ({@link org.icm4j.text.PromptTokens}), and the leave-one-out
 * orders as plans of token-forward segments ({@link org.icm4j.text.LeaveOneOutOrder}, {@link
 * org.icm4j.text.LeaveOneOutPlan}).
 *
 * <p>An adapter (icm-djl's {@code DjlScorer}, icm-onnx's {@code OnnxScorer}) only runs a model: it takes the token ids from {@link org.icm4j.text.PromptTokens} and executes the
 * steps of a {@link org.icm4j.text.LeaveOneOutPlan}, so that every adapter sends the model the
 * same tokens in the same order and rejects the same bad prompts with the same messages.
 */
@NullMarked
package org.icm4j.text;

import org.jspecify.annotations.NullMarked;
