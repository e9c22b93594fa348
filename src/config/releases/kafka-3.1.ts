import { kafka_3_0 } from './kafka-3.0.js';
import { change, nextRelease } from './release.js';

/** Kafka 3.1 (January 2022): the log cleaner stays below the high watermark. */
export const kafka_3_1 = nextRelease(kafka_3_0, '3.1', {
  changes: [
    change('cleanerBoundedByHighWatermark', true, 'KAFKA-13194', 'the log cleaner cleans no further than the last stable offset, so never past the high watermark: an uncommitted record can no longer make the cleaner remove a committed record of its key (LogCleanerManager.cleanableOffsets; 3.0.x and 2.8.x stop at the first unstable offset only)'),
  ],
});
