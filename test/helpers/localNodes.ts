/**
 * Real JSON-RPC nodes for deployment tests: `hardhat node` and Anvil started as child processes on free loopback
 * ports, each in its own process group so that stopping it stops everything it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "node_modules", ".bin");

export type NodeKind = "hardhat node" | "anvil";

export interface LocalNode {
  kind: NodeKind;
  url: string;
  /** The node's recent output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every process group still running (the last resort when the test process exits or is interrupted). */
function killAll(): void {
  for (const child of running) killGroup(child, "SIGKILL");
}
let guarded = false;

/** Once a child runs: kill the groups when this process exits, or is interrupted (then let the signal take effect). */
function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** A port nothing listens on now: bind port 0 on the loopback interface and release it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process in its own group and keeps the tail of its output. */
function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  guard();
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  let tail = "";
  let stdout = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    keep(chunk);
    if (stdout.length < 1_000_000) stdout += chunk.toString();
  });
  child.stderr!.on("data", keep);
  return { child, output: () => tail, stdout: () => stdout };
}

/** Asks the process to stop, kills its whole group if it has not exited within 5 s, then kills what is left of it. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // Nothing left in the group.
  }
}

async function chainId(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return ((await response.json()) as { result?: string }).result;
  } catch {
    return undefined;
  }
}

/**
 * Anvil's binary from its npm platform package, started directly so that it is this process's own child (npm's
 * launcher does not wait for it when signalled); the launcher when the platform package is not where expected.
 */
function anvilCommand(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const binary = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    return require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${binary}`);
  } catch {
    return path.join(BIN, "anvil");
  }
}

/**
 * Starts a node on a free port and waits until it answers `eth_chainId`. The `hardhat node` charges fees as usual;
 * Anvil runs a gas-free chain (zero base fee), like a consortium's Besu network with `zeroBaseFee`.
 */
export async function startNode(kind: NodeKind, timeoutMs = 30_000): Promise<LocalNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output } =
    kind === "hardhat node"
      ? startProcess(path.join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)])
      : startProcess(anvilCommand(), [
          ...["--host", "127.0.0.1", "--port", String(port), "--hardfork", "cancun"],
          ...["--block-base-fee-per-gas", "0"], // gas-free, like the consortium's Besu network
        ]);
  const node: LocalNode = { kind, url, output, stop: () => stopProcess(child) };
  const deadline = Date.now() + timeoutMs;
  while ((await chainId(url)) === undefined) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await node.stop();
      throw new Error(`${kind} did not start on ${url}:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return node;
}

export interface Finished {
  code: number | null;
  /** What it printed on stdout. */
  stdout: string;
  /** The tail of stdout and stderr together, for failure messages. */
  output: string;
}

/** Runs a Hardhat command to completion (its own process group, killed after `timeoutMs`). */
export async function runHardhat(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Finished> {
  const { child, output, stdout } = startProcess(path.join(BIN, "hardhat"), args, env);
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("close", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stdout: stdout(), output: output() };
}
