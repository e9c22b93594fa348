import { setup } from 'xstate';
import type { ClusterConfig } from '../cluster/config.js';
import type { BrokerId } from './protocol.js';

/**
 * SKELETON (being written): the transaction coordinator for one transactional.id on one broker.
 * Until then it coordinates nothing.
 */
export interface TxnCoordinatorInput {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly transactionalId: string;
  /** The producer id this transactional.id is given (the model allocates ids statically). */
  readonly producerId: number;
  readonly brokerId: BrokerId;
  /** The actor's name: txnActor(transactionalId). */
  readonly name: string;
}

export const txnCoordinatorMachine = setup({
  types: {} as { context: TxnCoordinatorInput; input: TxnCoordinatorInput; events: { type: string } },
}).createMachine({
  id: 'txnCoordinator',
  context: ({ input }) => input,
  initial: 'Unloaded',
  states: { Unloaded: {} },
});
