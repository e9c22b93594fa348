/**
 * serve's way to the model's controller, for the admin requests a broker forwards to it
 * (CreateTopics, DeleteTopics; KIP-590's ForwardingManager): a connection node of its own in the
 * World, opened on first use, from which each request goes to a controller node; NOT_CONTROLLER
 * sends it to the controller named in the answer (or the next), and an unanswered one to the next.
 * SIMPLIFICATION: the request goes from serve straight to the controllers, not through the broker
 * the client asked (the model's admin client does the same, src/machines/admin.ts): the
 * broker's forwarding hop, and its failures, are not modelled (spec/wire.md).
 */
import type { CreateTopics, CreateTopicsResponse, DeleteTopics, DeleteTopicsResponse } from '../machines/protocol.js';
import type { Message } from '../sim/world.js';
import type { LiveCluster } from './live-cluster.js';
import { answerTo } from './pending.js';

export type ControllerRequest = Omit<CreateTopics, 'requestId'> | Omit<DeleteTopics, 'requestId'>;
export type ControllerAnswer = CreateTopicsResponse | DeleteTopicsResponse;

/** How long one attempt waits for an answer before trying the next controller (wall ms). */
const ATTEMPT_MS = 2_000;
/** Between a NOT_CONTROLLER answer and the next attempt (wall ms): an election takes a while. */
const BACKOFF_MS = 50;

export class ControllerChannel {
  private node: string | undefined;
  private nextRequestId = 0;
  /** Which controller to ask (an index into the cluster's controller nodes). */
  private target = 0;
  private readonly pending = new Map<number, (m: ControllerAnswer | undefined) => void>();

  constructor(private readonly cluster: LiveCluster) {}

  /** The controller's answer, or undefined when none came within `timeoutMs` (wall time). */
  async request(msg: ControllerRequest, timeoutMs: number): Promise<ControllerAnswer | undefined> {
    const deadline = this.cluster.wallMs() + timeoutMs;
    const controllers = this.cluster.controllers;
    for (;;) {
      const left = deadline - this.cluster.wallMs();
      if (left <= 0) return undefined;
      const answer = await this.attempt(msg, controllers[this.target % controllers.length]!, Math.min(ATTEMPT_MS, left));
      if (answer && answer.error !== 'NOT_CONTROLLER') return answer;
      const hinted = answer?.leaderHint === undefined ? -1 : controllers.indexOf(answer.leaderHint);
      this.target = hinted >= 0 ? hinted : this.target + 1;
      if (answer) await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS).unref());
    }
  }

  private attempt(msg: ControllerRequest, to: string, waitMs: number): Promise<ControllerAnswer | undefined> {
    this.node ??= this.cluster.connect((m: Message) => {
      const requestId = (m as { requestId?: number }).requestId;
      if (requestId !== undefined) this.pending.get(requestId)?.(m as ControllerAnswer);
    });
    const requestId = ++this.nextRequestId;
    const answer = answerTo(this.pending, requestId, waitMs);
    this.cluster.send(this.node, to, { ...msg, requestId } as CreateTopics | DeleteTopics);
    return answer;
  }
}
