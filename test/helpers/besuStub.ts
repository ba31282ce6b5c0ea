/**
 * A small JSON-RPC server on 127.0.0.1 that answers Besu's PERM allowlist methods from in-memory lists (and, when
 * given validators, `qbft_getValidatorsByBlockNumber`) and records every call, standing in for a Besu node in tests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  params: unknown[];
}

export interface BesuStub {
  url: string;
  calls: RecordedCall[];
  accounts: string[];
  nodes: string[];
  close(): Promise<void>;
}

/** Starts the stub with the given allowlists; `refuse` makes it answer that method with a JSON-RPC error. */
export async function startBesuStub(
  initial: { accounts: string[]; nodes: string[]; validators?: string[] },
  options: { refuse?: { method: string; code: number; message: string } } = {},
): Promise<BesuStub> {
  const state = { accounts: [...initial.accounts], nodes: [...initial.nodes] };
  const calls: RecordedCall[] = [];

  const answer = (method: string, params: unknown[]): unknown => {
    const list = (params[0] ?? []) as string[];
    switch (method) {
      case "perm_getAccountsAllowlist":
        return [...state.accounts];
      case "perm_getNodesAllowlist":
        return [...state.nodes];
      case "qbft_getValidatorsByBlockNumber":
        return initial.validators;
      case "perm_addAccountsToAllowlist":
        state.accounts.push(...list);
        return "Success";
      case "perm_removeAccountsFromAllowlist":
        state.accounts = state.accounts.filter((a) => !list.includes(a));
        return "Success";
      case "perm_addNodesToAllowlist":
        state.nodes.push(...list);
        return "Success";
      case "perm_removeNodesFromAllowlist":
        state.nodes = state.nodes.filter((n) => !list.includes(n));
        return "Success";
      default:
        return undefined;
    }
  };

  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      calls.push({ method, params });
      const refused = options.refuse?.method === method ? options.refuse : undefined;
      const result = refused ? undefined : answer(method, params);
      const reply = refused
        ? { jsonrpc: "2.0", id, error: { code: refused.code, message: refused.message } }
        : result === undefined
          ? { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } }
          : { jsonrpc: "2.0", id, result };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get accounts() {
      return state.accounts;
    },
    get nodes() {
      return state.nodes;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
