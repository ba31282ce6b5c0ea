/** `npm run catalogue`: writes scripts/client/error-catalogue.json from the compiled contracts (see scripts/client/catalogue.ts). */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { buildCatalogue } from "./client/catalogue";

async function main(): Promise<void> {
  await hre.run("compile", { quiet: true });
  const catalogue = await buildCatalogue(hre);
  const file = path.join(__dirname, "client", "error-catalogue.json");
  fs.writeFileSync(file, JSON.stringify(catalogue, null, 2) + "\n");
  console.log(
    `Wrote ${path.relative(process.cwd(), file)}: ${Object.keys(catalogue.errors).length} errors, ` +
      `${Object.keys(catalogue.enums).length} enums.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
