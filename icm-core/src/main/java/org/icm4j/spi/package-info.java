/**
 * Extension points of icm4j: {@link org.icm4j.spi.LabelScorer scorers}, {@link
 * org.icm4j.spi.ConsistencyRule consistency rules}, {@link org.icm4j.spi.search.SearchStrategy search
 * strategies}, {@link org.icm4j.spi.search.TemperatureSchedule temperature schedules}, {@link
 * org.icm4j.spi.search.ExampleSampler example samplers}, {@link org.icm4j.spi.IcmListener listeners},
 * the {@link org.icm4j.spi.BatchHook hook between batches}, and {@link org.icm4j.spi.finetune.FineTuner
 * fine-tuners} (with {@link org.icm4j.spi.finetune.FineTuneRequest}, {@link
 * org.icm4j.spi.finetune.FineTunedModel} and {@link org.icm4j.spi.finetune.FineTuningListener}) for {@link
 * org.icm4j.finetune.IterativeFineTuning}, and {@link org.icm4j.spi.reward.RewardModel reward models} with their
 * {@link org.icm4j.spi.reward.RewardTrainer trainers} (with {@link org.icm4j.spi.reward.RewardTrainingRequest}),
 * trained on {@link org.icm4j.reward.PreferencePair preference pairs} from ICM's labels.
 */
@NullMarked
package org.icm4j.spi;

import org.jspecify.annotations.NullMarked;
