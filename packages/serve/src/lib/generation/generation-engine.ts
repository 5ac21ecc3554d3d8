// Continuous batching for encoder-decoder generation. Requests that arrive together are encoded together and
// decode as one group of rows (a row per beam or sample), one decoder step for the whole group at a time; a
// sequence that finishes leaves the group at once (its rows are dropped from the cache), and requests that
// arrive meanwhile form a new group that starts at the next step rather than waiting for the others to end.
//
// Why groups rather than one batch: the exported decoder takes no decoder attention mask and derives positions
// from the past length, so rows at different positions cannot share a step. Rows of one group are always at
// the same position; the groups take turns, one step each.
import type { GenerationOptions } from './generation-options.js';
import type { DecoderCache, Seq2SeqRuntime } from './seq2seq-runtime.js';
import { createSequenceSearch, type GeneratedSequence, type SequenceSearch } from './sequence-search.js';

/** How long an idle engine waits for more requests after one arrives, and at most (see `#gather`). */
const GATHER_QUIET_MS = 0.3;
const GATHER_MAX_MS = 3;

/** Limits of what decodes at once. */
export interface GenerationEngineOptions {
  /** Rows (beams and samples of all requests) decoding at once, across groups. Default 64. */
  maxRows?: number;
  /**
   * Key-value cache entries (rows x (decoded + source tokens)) admitted at once. A new request waits while the
   * batch is over it; one in progress is never evicted. Default 64 x 512.
   */
  maxTokens?: number;
  /** Requests encoded together at most. Default 64. */
  maxEncoderBatch?: number;
  /**
   * Groups decoding at once. Each group costs a decoder run per step whatever its size, so a new request waits
   * while this many are decoding, and the requests that gather meanwhile start together: fewer, larger steps.
   * Default 4.
   */
  maxGroups?: number;
}

/** One request to {@link GenerationEngine.generate}. */
export interface GenerationRequest {
  /** Source token ids, the end token included. */
  source: readonly number[];
  options: GenerationOptions;
  /** Each new token of each sequence, as it is chosen (greedy and sampling). */
  onToken?: (sequence: number, token: number) => void;
  signal?: AbortSignal;
}

interface Pending extends GenerationRequest {
  search: SequenceSearch;
  resolve(sequences: GeneratedSequence[]): void;
  reject(error: unknown): void;
}

interface Group {
  requests: Pending[];
  /** For each row of the cache, the index in `requests` of the request it belongs to. */
  owners: number[];
  cache: DecoderCache;
  /** Each row's next input token. */
  tokens: number[];
}

/** Progress counters, for metrics and benchmarks. */
export interface GenerationStats {
  steps: number;
  rowsStepped: number;
  encoderRuns: number;
  groupsStarted: number;
}

/** Decodes requests on one runtime, batching them step by step; one loop at a time. */
export class GenerationEngine {
  readonly #runtime: Seq2SeqRuntime;
  readonly #maxRows: number;
  readonly #maxTokens: number;
  readonly #maxEncoderBatch: number;
  readonly #maxGroups: number;
  #queue: Pending[] = [];
  #groups: Group[] = [];
  #looping = false;
  #closed = false;
  readonly stats: GenerationStats = { steps: 0, rowsStepped: 0, encoderRuns: 0, groupsStarted: 0 };

  constructor(runtime: Seq2SeqRuntime, options: GenerationEngineOptions = {}) {
    this.#runtime = runtime;
    this.#maxRows = options.maxRows ?? 64;
    this.#maxTokens = options.maxTokens ?? 64 * 512;
    this.#maxEncoderBatch = options.maxEncoderBatch ?? 64;
    this.#maxGroups = options.maxGroups ?? 4;
  }

  /** The sequences of one request, best first. */
  generate(request: GenerationRequest): Promise<GeneratedSequence[]> {
    if (this.#closed) return Promise.reject(new Error('the generation engine is closed'));
    return new Promise<GeneratedSequence[]>((resolve, reject) => {
      const search = createSequenceSearch(request.options);
      if (request.onToken) search.onToken = request.onToken;
      this.#queue.push({ ...request, search, resolve, reject });
      this.#kick();
    });
  }

  /** Rows decoding now, and requests waiting to start. */
  get load(): { rows: number; waiting: number; groups: number } {
    return { rows: this.#groups.reduce((sum, group) => sum + group.cache.rows, 0), waiting: this.#queue.length, groups: this.#groups.length };
  }

  /** Stops taking requests; those in progress and waiting are rejected. */
  close(): void {
    this.#closed = true;
    const error = new Error('the generation engine was closed');
    for (const request of [...this.#queue, ...this.#groups.flatMap((group) => group.requests)]) request.reject(error);
    this.#queue = [];
    this.#groups = [];
  }

  /** Starts the decoding loop unless it runs; a request that arrives as it ends starts it again. */
  #kick(): void {
    if (this.#looping) return;
    this.#looping = true;
    void this.#loop().finally(() => {
      this.#looping = false;
      if (!this.#closed && this.#queue.length > 0) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    await this.#gather();
    let lastYield = performance.now();
    while (!this.#closed && (this.#queue.length > 0 || this.#groups.length > 0)) {
      await this.#admit();
      // Each group one step, oldest first; a group started by #admit has had its first step.
      for (const group of [...this.#groups]) {
        if (group.requests.length === 0) continue;
        await this.#run(group, async () => this.#runtime.decoderStep(group.cache, group.tokens));
      }
      this.#groups = this.#groups.filter((group) => group.requests.length > 0);
      // Let new requests (and aborts) in between steps, at least every millisecond (a yield costs tens of
      // microseconds, a step of one short sequence about one millisecond).
      if (performance.now() - lastYield >= 1 || this.#groups.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }

  /**
   * Before the first group of an idle engine: wait while requests keep arriving (a burst is read one request at a
   * time), until none came for {@link GATHER_QUIET_MS} or {@link GATHER_MAX_MS} passed, so that a burst starts as
   * one group rather than its first request alone. A lone request waits {@link GATHER_QUIET_MS}.
   */
  async #gather(): Promise<void> {
    const started = performance.now();
    let seen = this.#queue.length;
    let lastArrival = started;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      if (this.#queue.length !== seen) {
        seen = this.#queue.length;
        lastArrival = now;
      }
      if (now - lastArrival >= GATHER_QUIET_MS || now - started >= GATHER_MAX_MS) return;
    }
  }

  /** Starts a group from the waiting requests that fit: encodes them together and runs their first step. */
  async #admit(): Promise<void> {
    this.#queue = this.#queue.filter((request) => !this.#abortIfAsked(request));
    if (this.#queue.length === 0 || this.#groups.length >= this.#maxGroups) return;
    let rows = this.load.rows;
    let tokens = this.#groups.reduce((sum, group) => sum + group.cache.rows * (group.cache.pastLength + group.cache.sourceLength), 0);
    const admitted: Pending[] = [];
    while (this.#queue.length > 0 && admitted.length < this.#maxEncoderBatch) {
      const next = this.#queue[0]!;
      const nextRows = Math.max(next.options.numBeams, next.search.rows);
      const nextTokens = nextRows * (next.source.length + 1);
      // The first request always goes, however big, so that nothing waits forever.
      if (admitted.length + this.#groups.length > 0 && (rows + nextRows > this.#maxRows || tokens + nextTokens > this.#maxTokens)) break;
      admitted.push(this.#queue.shift()!);
      rows += nextRows;
      tokens += nextTokens;
    }
    if (admitted.length === 0) return;
    const group: Group = { requests: admitted, owners: [], cache: undefined as unknown as DecoderCache, tokens: [] };
    this.#groups.push(group);
    this.stats.groupsStarted++;
    await this.#run(group, async () => {
      const encoded = await this.#runtime.encode(admitted.map((request) => request.source));
      this.stats.encoderRuns++;
      const sourceOf: number[] = [];
      const starts: number[] = [];
      admitted.forEach((request, index) => {
        for (const sequence of request.search.sequences) {
          sourceOf.push(index);
          starts.push(sequence.at(-1)!);
        }
      });
      return this.#runtime.firstDecoderStep(encoded, sourceOf, starts);
    }, true);
  }

  /** Runs one step of `group` and applies it: each request's search picks its tokens; finished ones leave. */
  async #run(group: Group, step: () => Promise<{ logits: Float32Array[]; cache: DecoderCache }>, first = false): Promise<void> {
    let result: { logits: Float32Array[]; cache: DecoderCache };
    try {
      result = await step();
    } catch (error) {
      for (const request of group.requests) request.reject(error);
      group.requests = [];
      return;
    }
    this.stats.steps++;
    this.stats.rowsStepped += result.logits.length;
    const owners = first ? group.requests.flatMap((request, index) => request.search.sequences.map(() => index)) : group.owners;
    const nextRequests: Pending[] = [];
    const nextOwners: number[] = [];
    const sourceRows: number[] = [];
    const nextTokens: number[] = [];
    let row = 0;
    group.requests.forEach((request, index) => {
      const rows: number[] = [];
      while (row < owners.length && owners[row] === index) rows.push(row++);
      if (this.#abortIfAsked(request)) return;
      let decision;
      try {
        decision = request.search.step(rows.map((r) => result.logits[r]!));
      } catch (error) {
        request.reject(error);
        return;
      }
      if (request.search.done) {
        request.resolve(request.search.results());
        return;
      }
      const owner = nextRequests.length;
      nextRequests.push(request);
      decision.sourceRows.forEach((source, i) => {
        sourceRows.push(rows[source]!);
        nextOwners.push(owner);
        nextTokens.push(decision.tokens[i]!);
      });
    });
    group.requests = nextRequests;
    group.owners = nextOwners;
    group.tokens = nextTokens;
    group.cache = nextRequests.length > 0 ? this.#runtime.reorderCache(result.cache, sourceRows) : result.cache;
  }

  #abortIfAsked(request: Pending): boolean {
    if (!request.signal?.aborted) return false;
    request.reject(request.signal.reason ?? new Error('aborted'));
    return true;
  }
}
