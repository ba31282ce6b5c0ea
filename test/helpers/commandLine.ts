/**
 * Runs command lines as a person types them (`npx hardhat ledger:ship --batch … --network localhost`) inside the test
 * process: the words are split as a shell splits them, the task's parameters parsed by their declared types as the
 * Hardhat command line parses them, and the task run on the embedded network. The README's walkthrough is checked
 * this way, line by line.
 */
import hre from "hardhat";
import type { CLIArgumentType } from "hardhat/types";
import { printed } from "./tasks";

/** Splits a command line into words: spaces separate, single or double quotes group, a backslash escapes. */
export function words(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started || current !== "") out.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote !== undefined) throw new Error(`unclosed quote in: ${line}`);
  if (started || current !== "") out.push(current);
  return out;
}

/** A task's arguments from its command-line words, parsed by the task's own parameter definitions. */
export function taskArguments(taskName: string, argv: string[]): Record<string, unknown> {
  const definition = hre.tasks[taskName];
  if (definition === undefined) throw new Error(`no task "${taskName}"`);
  const args: Record<string, unknown> = {};
  const positional = [...definition.positionalParamDefinitions];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word.startsWith("--")) {
      const name = word.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const param = definition.paramDefinitions[name];
      if (param === undefined) throw new Error(`task ${taskName} has no parameter ${word}`);
      if (param.isFlag) args[name] = true;
      else args[name] = (param.type as CLIArgumentType<unknown>).parse(name, argv[++i]);
    } else {
      const param = positional.shift();
      if (param === undefined) throw new Error(`task ${taskName} takes no more positional arguments: ${word}`);
      args[param.name] = param.isVariadic
        ? [word, ...argv.slice(i + 1)]
        : (param.type as CLIArgumentType<unknown>).parse(param.name, word);
      if (param.isVariadic) break;
    }
  }
  return args;
}

/** Runs `npx hardhat <task> …` (its `--network localhost` ignored: the embedded network stands in); returns the output. */
export async function runCommandLine(line: string): Promise<string> {
  const argv = words(line);
  if (argv[0] !== "npx" || argv[1] !== "hardhat") throw new Error(`not a Hardhat command line: ${line}`);
  const rest = argv.slice(2);
  const network = rest.indexOf("--network");
  if (network >= 0) rest.splice(network, 2);
  const [taskName, ...taskArgv] = rest;
  return printed(taskName, taskArguments(taskName, taskArgv));
}
