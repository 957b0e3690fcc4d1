/**
 * The generated TypeScript types follow schema.graphql: the committed file is what the generator
 * writes now (a stale file fails here, as `npm run graphql:codegen -- --check` does), and the
 * mapping keeps nullability, enums, defaults and per-field argument types.
 */
import fs from 'node:fs';
import { buildSchema, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, SCHEMA_PATH, generateTypes } from '../../apps/api/src/graphql/codegen.js';

const sdl = fs.readFileSync(SCHEMA_PATH, 'utf8');

describe('graphql codegen', () => {
  it('the committed types.generated.ts matches schema.graphql', () => {
    expect(fs.readFileSync(GENERATED_PATH, 'utf8')).toBe(generateTypes(sdl));
  });

  it('emits every named type and one Args interface per field with arguments', () => {
    const out = generateTypes(sdl);
    const schema = buildSchema(sdl);
    for (const [name, t] of Object.entries(schema.getTypeMap())) {
      if (name.startsWith('__') || ['ID', 'String', 'Int', 'Float', 'Boolean', 'DateTime'].includes(name)) continue;
      expect(out).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
      if (isObjectType(t)) {
        for (const f of Object.values(t.getFields()).filter((f) => f.args.length)) {
          expect(out).toContain(`export interface ${name}${f.name[0].toUpperCase()}${f.name.slice(1)}Args {`);
        }
      }
    }
  });

  it('keeps nullability, enums, lists and defaults', () => {
    const out = generateTypes(`
      enum Color { RED GREEN }
      input F { a: Int!, b: String, c: [Int!] = [1], d: Boolean! = true }
      type T { x: ID!, y: [String]!, z: Color, f(arg: F!, n: Int = 3): Float! }
      type Query { t: T }`);
    expect(out).toContain(`export type Color = 'RED' | 'GREEN';`);
    expect(out).toMatch(/export interface F \{\n  a: number;\n  b\?: string \| null;\n.*\n  c\?: Array<number> \| null;\n.*\n  d\?: boolean;\n\}/);
    expect(out).toMatch(/export interface T \{\n  x: string;\n  y: Array<string \| null>;\n  z: Color \| null;\n  f: number;\n\}/);
    expect(out).toMatch(/export interface TFArgs \{\n  arg: F;\n.*\n  n\?: number \| null;\n\}/);
    expect(() => generateTypes(`scalar Odd type Query { o: Odd }`)).toThrow(/no TypeScript mapping for scalar Odd/);
  });
});
