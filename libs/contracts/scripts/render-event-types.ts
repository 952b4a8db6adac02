import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const schemasDir = join(__dirname, '..', '..', '..', 'schemas');

const banner = '/* Generated from schemas/ by `npm run contracts:generate`. Do not edit. */';

/** Renders one module with a type per schema file; shared definitions are emitted once. */
export async function renderEventTypes(): Promise<string> {
  const files = ['events', 'bundle'].flatMap((folder) =>
    readdirSync(join(schemasDir, folder))
      .filter((file) => file.endsWith('.schema.json'))
      .sort()
      .map((file) => `${folder}/${file}`),
  );
  const combined: JSONSchema = {
    title: 'AirlockEvents',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(files.map((file) => [file.replace('.schema.json', ''), { $ref: file }])),
  };
  const rendered = await compile(combined, 'AirlockEvents', {
    bannerComment: banner,
    cwd: schemasDir,
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    ignoreMinAndMaxItems: true,
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 110 },
  });
  return rendered;
}
