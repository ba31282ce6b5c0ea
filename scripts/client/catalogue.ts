/**
 * The error catalogue: every custom error the MedAlliance contracts can revert with, its NatSpec notice and its
 * parameters (with enum member names), read from the compiler's output. `npm run catalogue` writes it to
 * scripts/client/error-catalogue.json; a test keeps the file equal to what the compiler says. The client decodes reverts with
 * it alone, so scripts need neither artifacts nor build information to explain a failure.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

export interface CatalogueParam {
  name: string;
  type: string;
  /** The enum's name when the parameter is one (its members are in `enums`). */
  enum?: string;
}

export interface CatalogueError {
  name: string;
  /** The error's `@notice` (or `@dev` for library errors without one). */
  notice: string;
  params: CatalogueParam[];
}

export interface ErrorCatalogue {
  /** By signature, e.g. "LedgerUnknownBatch(bytes32)". */
  errors: Record<string, CatalogueError>;
  /** Enum name → member names in order. */
  enums: Record<string, string[]>;
}

interface AbiError {
  type: string;
  name: string;
  inputs: { name: string; type: string; internalType?: string }[];
}

interface AstNode {
  nodeType?: string;
  name?: string;
  members?: { name: string }[];
  nodes?: AstNode[];
}

/** Tokens' own errors (OpenZeppelin's ERC-20 errors), which a payment in a token may revert with. */
const TOKEN_ERRORS = "@openzeppelin/contracts/interfaces/draft-IERC6093.sol:IERC20Errors";

/** Builds the catalogue from the compiled contracts under contracts/ (mocks left out) and the ERC-20 errors. */
export async function buildCatalogue(hre: HardhatRuntimeEnvironment): Promise<ErrorCatalogue> {
  const errors: Record<string, CatalogueError> = {};
  const enums: Record<string, string[]> = {};
  const names = (await hre.artifacts.getAllFullyQualifiedNames())
    .filter((name) => (name.startsWith("contracts/") && !name.startsWith("contracts/mocks/")) || name === TOKEN_ERRORS)
    .sort();
  for (const fullyQualifiedName of names) {
    const buildInfo = await hre.artifacts.getBuildInfo(fullyQualifiedName);
    if (buildInfo === undefined) continue;
    const [source, contractName] = fullyQualifiedName.split(":");
    const output = buildInfo.output.contracts[source][contractName] as unknown as { abi: AbiError[]; metadata: string };
    const metadata = JSON.parse(output.metadata) as {
      output: {
        userdoc: { errors?: Record<string, { notice?: string }[]> };
        devdoc: { errors?: Record<string, { details?: string }[]> };
      };
    };
    for (const item of output.abi) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${item.inputs.map((input) => input.type).join(",")})`;
      const notice =
        metadata.output.userdoc.errors?.[signature]?.[0]?.notice ??
        metadata.output.devdoc.errors?.[signature]?.[0]?.details ??
        errors[signature]?.notice ??
        "";
      errors[signature] = {
        name: item.name,
        notice: notice.replace(/\s+/g, " ").trim(),
        params: item.inputs.map((input) => {
          const match = /^enum (?:\w+\.)?(\w+)$/.exec(input.internalType ?? "");
          return match
            ? { name: input.name, type: input.type, enum: match[1] }
            : { name: input.name, type: input.type };
        }),
      };
    }
    for (const [path, sourceOutput] of Object.entries(buildInfo.output.sources)) {
      if (path.startsWith("contracts/mocks/")) continue;
      collectEnums(sourceOutput.ast as AstNode, enums);
    }
  }
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const used = new Set(Object.values(errors).flatMap((e) => e.params.map((p) => p.enum).filter(Boolean)));
  return {
    errors: sorted(errors),
    enums: sorted(Object.fromEntries(Object.entries(enums).filter(([name]) => used.has(name)))),
  };
}

function collectEnums(node: AstNode, enums: Record<string, string[]>): void {
  if (node.nodeType === "EnumDefinition" && node.name && node.members) {
    enums[node.name] = node.members.map((member) => member.name);
  }
  for (const child of node.nodes ?? []) collectEnums(child, enums);
}
