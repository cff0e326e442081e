// Kept-alive connections for outbound calls that happen often (the connector proxy). One agent per
// vetted address: a request only ever takes a socket from the agent of the address it was vetted
// for, so a pooled socket can never carry a request to an address the policy did not approve
// (for a host whose DNS answer changed, the new address gets its own agent). Least recently used
// agents beyond `maxAgents` are closed.
import http from 'node:http';
import https from 'node:https';

export interface PoolOptions {
  maxAgents?: number;
  /** Idle sockets per agent kept for reuse. */
  maxFreeSockets?: number;
  /** An idle socket is closed after this long (below common server keep-alive timeouts). */
  idleMs?: number;
}

export class AgentPool {
  #agents = new Map<string, http.Agent>();
  #max: number;
  #options: http.AgentOptions;

  constructor(options: PoolOptions = {}) {
    this.#max = options.maxAgents ?? 256;
    this.#options = { keepAlive: true, maxFreeSockets: options.maxFreeSockets ?? 64, timeout: options.idleMs ?? 4000, scheduling: 'lifo' };
  }

  agentFor(protocol: string, address: string): http.Agent {
    const key = `${protocol}//${address}`;
    let agent = this.#agents.get(key);
    if (agent) {
      this.#agents.delete(key); // most recently used goes last
    } else {
      agent = protocol === 'https:' ? new https.Agent(this.#options) : new http.Agent(this.#options);
      while (this.#agents.size >= this.#max) {
        const [oldest, evicted] = this.#agents.entries().next().value as [string, http.Agent];
        this.#agents.delete(oldest);
        evicted.destroy();
      }
    }
    this.#agents.set(key, agent);
    return agent;
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
