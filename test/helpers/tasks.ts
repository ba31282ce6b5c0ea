/** Running Hardhat tasks inside tests. */
import hre from "hardhat";

/** Runs a task and returns what it printed. */
export async function printed(name: string, args: Record<string, unknown>): Promise<string> {
  const original = console.log;
  const lines: string[] = [];
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    await hre.run(name, args);
  } finally {
    console.log = original;
  }
  return lines.join("\n");
}
