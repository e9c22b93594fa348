/**
 * kafka-model: the reference formal model of Apache Kafka.
 *
 * The package's public API: the simulation kernel, the partition log, the machines, and the
 * checkers. See README.md for the architecture.
 * @packageDocumentation
 */
export {};
