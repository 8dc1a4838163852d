/**
 * Training {@link org.icm4j.djl.BlockLm} models with DJL: fine-tuning on labelled examples ({@link
 * org.icm4j.djl.train.BlockLmFineTuner}, icm-core's {@link org.icm4j.spi.finetune.FineTuner} for iterative
 * fine-tuning on ICM's labels) and resumable training from scratch on a token {@link
 * org.icm4j.djl.train.Corpus} ({@link org.icm4j.djl.train.LmTrainer}). Reward models and
 * reinforcement learning in miniature: {@link org.icm4j.djl.train.LmRewardModel} (a model's own
 * label log-odds as a reward), {@link org.icm4j.djl.train.BradleyTerryTrainer} (icm-core's {@link
 * org.icm4j.spi.reward.RewardTrainer}), {@link org.icm4j.djl.train.ChoicePolicy} (a model answering a
 * {@link org.icm4j.djl.train.ChoiceQuestion}), {@link org.icm4j.djl.train.PolicyGradient}
 * (REINFORCE) and {@link org.icm4j.djl.train.BestOfN}.
 */
@NullMarked
package org.icm4j.djl.train;

import org.jspecify.annotations.NullMarked;
