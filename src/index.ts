/**
 * kafka-model: the reference formal model of Apache Kafka.
 *
 * The package's public API: the simulation kernel, the partition log, configuration and
 * scenarios, the search, the replication, consumer-group and transaction machines, the
 * Kafka-compatible assignors and partitioner, and the Jepsen history checker. See README.md for the architecture and spec/ for the normative model.
 * @packageDocumentation
 */

// Simulation kernel
export { World, ModelError, type WorldOptions, type NodeSpec, type NodeBoot, type HostedActor, type Invariant, type Violation, type Effect, type Message } from './sim/world.js';
export { Rng } from './sim/rng.js';
export { Disk, type CrashOutcome, type DiskWrite } from './sim/disk.js';
export { Network, type NetworkConfig, type NodeId, type SendDecision } from './sim/network.js';
export { EventQueue, type Scheduled } from './sim/queue.js';
export { Trace, type TraceEvent, type TraceMode, type DropReason } from './sim/trace.js';
export { enforceBudget, peakFaulty, randomFaultSchedule, type Fault, type FaultBudget, type RandomScheduleOptions } from './sim/faults.js';
/** The model's history entry (what World.history holds); the checker takes these as they are (HistoryInput). */
export type { HistoryOp } from './sim/history.js';

// Partition log
export * as log from './log/index.js';

// Configuration, scenarios, runs, the search
export { presets, resolveConfig, defaultBudget, configSchema, type ClusterConfig, type Preset, type TruncationRule } from './config/index.js';
export { parseScenario, scenarioSchema, groupSchema, type Scenario, type ScenarioInput } from './cluster/scenario.js';
export { installKafka, producerNode, transactionalIds, type ProduceWorkload, type TransactionalSpec, type KafkaNodes } from './cluster/kafka.js';
export { buildWorld, runScenario, type RunSummary, type BuiltWorld } from './cluster/run.js';
export { replicationInvariants } from './check/replication.js';
export { explore, exploreAsync, propertyIds, type ExploreOptions, type ExploreResult } from './explore/search.js';
export { exploreParallel } from './explore/parallel.js';
export { parseShard, inSlice, runsInSlice, type Slice } from './explore/slice.js';
export { mergeShards, type ExploreJson, type MergedJson, type SearchParameters } from './explore/merge.js';
export { storyOf, formatStory, type StoryStep, type StoryFocus } from './explore/story.js';
export { episodeArb, episodesToFaults, episodeKinds, exploreCaseArb, caseToScenario, type Episode, type EpisodeKind, type ExploreCase, type SearchSpace } from './workload/arbitraries.js';

// The replication machines and their messages
export { zkControllerMachine, type ZkControllerContext } from './machines/zk-controller.js';
export { zkBrokerMachine, type ZkBrokerContext } from './machines/zk-broker.js';
export { zookeeperMachine } from './machines/zookeeper.js';
export { zkControlPlaneInvariants, zkControlPlanePropertyIds } from './check/zk-controller.js';
export { type ControllerContext, type ControllerPartition, type BrokerRegistrationState, type ExtraTopic, type PartitionStatus } from './machines/controller.js';
export { quorumControllerMachine, type QuorumControllerContext, type QuorumControllerEvent } from './machines/quorum-controller.js';
export { controllerNode, type MetadataImage, type MetadataLogEntry, type MetadataRecord } from './machines/raft-protocol.js';
export { controllerImage } from './machines/controller-view.js';
export { controlPlaneInvariants, controlPlanePropertyIds } from './check/controller.js';
export { brokerMachine, type BrokerContext } from './machines/broker.js';
export { replicaMachine, type ReplicaContext, type FollowerProgress, type WaitingProduce } from './machines/replica.js';
export {
  producerMachine,
  type ProducerContext,
  type ProducerWorkload,
  type PendingRecord,
  type InFlight,
  type TransactionManager,
  type EndedTransaction,
  type CoordinatorRequest,
} from './machines/producer.js';
export type * from './machines/protocol.js';

// Consumer groups
export { groupInvariants, groupPropertyIds, type GroupInvariant, type GroupPropertyId } from './check/groups.js';
export {
  exploreSpaceFor,
  caseSpaceFor,
  groupCaseArb,
  groupCaseToScenario,
  type GroupCase,
  type ConsumerEpisode,
  type ConsumerEpisodeKind,
  type GroupSpaceOptions,
  type Base,
} from './groups/scenarios.js';
export { ownershipGaps, type OwnershipGaps } from './groups/measure.js';
export { groupStoryOf, formatGroupStory, type GroupStoryStep } from './groups/story.js';
export {
  groupCoordinatorMachine,
  type CoordinatorContext,
  type AcceptedCommit,
  type Member,
  type PendingWrite,
  type PendingTxnOffset,
  type TxnDecision,
} from './machines/group-coordinator.js';
export {
  consumerMachine,
  type ConsumerOptions,
  type CommitPolicy,
  type OffsetReset,
  type ProcessedRecord,
  type ConsumerContext,
  type Batch,
  type PolledRecord,
} from './machines/consumer.js';
export type { TxnClient as ConsumerTransactionState, EndedTxn as ConsumerEndedTransaction, OpenTxn, TxnStep, OutputRecord } from './machines/consumer-txn.js';
export type * from './machines/group-protocol.js';
export { consumerNode, groupId } from './cluster/kafka.js';
export type { GroupSpec } from './cluster/scenario.js';

// Idempotence and transactions (spec/transactions.md)
export {
  txnCoordinatorMachine,
  type TxnCoordinatorContext,
  type TxnCoordinatorInput,
  type Marker as TxnMarker,
  type PendingWrite as TxnPendingWrite,
  type Reply as TxnReply,
} from './machines/txn-coordinator.js';
export { TXN_TOPIC, OUTPUT_TOPIC, txnActor } from './machines/txn-protocol.js';
export type * from './machines/txn-protocol.js';
export { transactionInvariants, transactionPropertyIds, partitionView, type PartitionView } from './check/transactions.js';
export { txnCaseArb, txnCaseToScenario, txnSpaceFor, type TxnCase, type ClientEpisode, type ClientEpisodeKind, type TxnSpaceOptions } from './transactions/scenarios.js';
export { settleForFinalReads, finalReads } from './check/final-read.js';

// Kafka-compatible pure functions
export { assignors } from './groups/assignors/index.js';
export type { Assignment, MemberSubscription, PartitionsPerTopic, TopicPartition } from './groups/assignors/types.js';
export { murmur2, partitionForKey, toPositive } from './client/partitioner.js';

// History checker (Jepsen's Kafka workload)
export { checkHistory, checkHistoryAsync } from './check/history/index.js';
export type * from './check/history/types.js';
export { parseHistory, type HistoryFormat } from './oracle/history/index.js';
export type { HistoryOp as JepsenOp, HistoryInput, OpF, OpType, RebalanceEvent, Key, Value } from './oracle/history/types.js';

// Historical bugs and the guarantee matrix
export { historicalBugs, fixOf, type HistoricalBug, type BugSearch } from './bugs/catalogue.js';
export { runBug, bugBudgets, type BugBudget, type BugResult } from './bugs/runner.js';
export { matrixRows, matrixReleases, matrixBudgets, runCell, type MatrixRow, type MatrixCell, type MatrixBudget } from './matrix/index.js';
