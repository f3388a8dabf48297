import { writeFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDiscoveredPlan, chooseGalleryRegion } from "../discover/build-plan.js";
import type { GroupBy } from "../discover/build-plan.js";
import { PUBLISHER_MAX, isValidIdentifier } from "../discover/naming.js";
import { countDefinitionsInRegion, listAllImages, readExistingGallery } from "../discover/scan.js";
import { UsageError, messageOf } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { resolveRegion, suggestRegion } from "../plan/regions.js";
import { azureFlagHelp, azureFlagOptions, createAzureContext } from "./azure-options.js";
import { parseFlags } from "./flags.js";

const HELP = `usage: acg-migrate discover --subscription S [--subscription S2 ...] [--resource-group RG ...]
         --gallery NAME --gallery-resource-group RG [--gallery-subscription S] [--publisher P]
         [--target-region R ...] [--group-by image|name] [-o plan.yaml] [--json] [Azure options]

Lists every managed image of the subscriptions (optionally only some resource groups) and writes a
plan that \`validate\` and \`plan\` accept as it is. Reads only: nothing is written to Azure.

  --subscription S           subscription to scan (repeatable; with --emulator: the emulator's first)
  --resource-group RG        only these resource groups (repeatable; applies to every subscription)
  --gallery NAME             target gallery (created by \`run\` when it does not exist)
  --gallery-subscription S   subscription of the gallery (default: the first --subscription)
  --gallery-resource-group RG  resource group of the gallery (it must exist)
  --publisher P              publisher of new definitions (default: MigratedImages)
  --target-region R          replicate to this region too, besides each image's own (repeatable)
  --group-by image|name      one definition per image (default), or per family of names that differ
                             only by a version-like suffix (web-2024-01, web-2024-02 → web 1.0.0, 2.0.0)
  -o, --output FILE          write the plan here (default: stdout)
  --json                     print a summary {images, migrations, skipped, definitions}; needs -o

${azureFlagHelp}`;

const GALLERY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/;

const options = {
  ...azureFlagOptions,
  subscription: { type: "string", multiple: true },
  "resource-group": { type: "string", multiple: true },
  gallery: { type: "string" },
  "gallery-subscription": { type: "string" },
  "gallery-resource-group": { type: "string" },
  publisher: { type: "string" },
  "target-region": { type: "string", multiple: true },
  "group-by": { type: "string" },
  output: { type: "string", short: "o" },
} as const;

function targetRegions(values: string[]): string[] {
  return values.map((value) => {
    const region = resolveRegion(value);
    if (!region) {
      const hint = suggestRegion(value);
      throw new UsageError(`--target-region: unknown region '${value}'${hint ? `; did you mean '${hint}'?` : ""}`);
    }
    return region.name;
  });
}

function schemaRef(outputFile: string | undefined, cwd: string): string {
  // The schema ships with the package; point editors at it from wherever the plan is written.
  const schema = fileURLToPath(new URL("../../../schemas/plan.schema.json", import.meta.url));
  const from = outputFile ? dirname(outputFile) : cwd;
  const rel = relative(from, schema).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** `acg-migrate discover`: lists the managed images of subscriptions and writes a plan to review. */
export async function discoverCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("discover", argv, options, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`discover: unexpected argument '${positionals[0]}'\n\n${HELP}`);
  const gallery = values.gallery;
  if (gallery === undefined) throw new UsageError(`discover: --gallery NAME is required\n\n${HELP}`);
  const galleryGroup = values["gallery-resource-group"];
  if (galleryGroup === undefined) throw new UsageError(`discover: --gallery-resource-group RG is required\n\n${HELP}`);
  if (!GALLERY_NAME.test(gallery)) {
    throw new UsageError(`--gallery: '${gallery}' is not a valid gallery name (1-80 letters, digits, '_' or '.', starting and ending with a letter or digit; no hyphens)`);
  }
  const publisher = values.publisher ?? "MigratedImages";
  if (!isValidIdentifier(publisher, PUBLISHER_MAX)) {
    throw new UsageError(`--publisher: '${publisher}' is not valid (1-128 letters, digits, '.', '_' or '-', not ending with '.')`);
  }
  const groupBy = values["group-by"] ?? "image";
  if (groupBy !== "image" && groupBy !== "name") throw new UsageError(`--group-by must be 'image' or 'name', not '${groupBy}'`);
  const output = values.output === undefined ? undefined : resolve(io.cwd, values.output);
  if (values.json === true && output === undefined) throw new UsageError("discover --json prints a summary on stdout, so the plan needs -o FILE");
  const extraRegions = targetRegions(values["target-region"] ?? []);

  const probeSubscriptionId = values.subscription?.[0];
  const context = await createAzureContext(values, io, { write: false, ...(probeSubscriptionId !== undefined ? { probeSubscriptionId } : {}) });
  try {
    const subscriptions = values.subscription ?? (context.emulator ? [context.emulator.subscriptionId] : []);
    if (subscriptions.length === 0) throw new UsageError(`discover: --subscription S is required\n\n${HELP}`);
    const resourceGroups = values["resource-group"] ?? [];
    const target = {
      subscriptionId: values["gallery-subscription"] ?? subscriptions[0]!,
      resourceGroup: galleryGroup,
      name: gallery,
    };
    const progress = (line: string): void => writeLine(io.stderr, `discover: ${line}`);

    const images = await listAllImages(context.reader, subscriptions, resourceGroups, progress, io.signal);
    const existing = await readExistingGallery(context.reader, target, io.signal);
    progress(
      existing
        ? `gallery ${gallery} exists in ${existing.location} with ${existing.definitions.length} definition(s) and ${existing.versions.length} version(s)`
        : `gallery ${gallery} does not exist yet; the plan creates it`,
    );
    // The definitions limit counts every gallery of the subscription in that region, not just ours.
    const galleryRegion = chooseGalleryRegion(images, existing);
    const definitionsInRegion = await countDefinitionsInRegion(context.reader, target.subscriptionId, galleryRegion, io.signal);
    const result = buildDiscoveredPlan(images, {
      gallery: target,
      ...(existing ? { existing } : {}),
      publisher,
      targetRegions: extraRegions,
      groupBy: groupBy as GroupBy,
      schemaRef: schemaRef(output, io.cwd),
      scope: { subscriptions, resourceGroups },
      definitionsInRegion,
    });

    if (output) {
      try {
        await writeFile(output, result.text, "utf8");
      } catch (error: unknown) {
        throw new UsageError(`-o ${values.output}: cannot write the plan: ${messageOf(error)}`);
      }
    }
    else io.stdout.write(result.text);
    const { summary } = result;
    for (const warning of result.warnings) writeLine(io.stderr, `discover: warning: ${warning}`);
    writeLine(
      io.stderr,
      `discover: ${summary.images} image(s): ${summary.migrations} migration(s) into ${summary.definitions} definition(s), ${summary.skipped.length} left out${output ? `; plan written to ${values.output}` : ""}`,
    );
    if (values.json === true) writeLine(io.stdout, JSON.stringify(summary, null, 2));
    return 0;
  } finally {
    await context.close();
  }
}
