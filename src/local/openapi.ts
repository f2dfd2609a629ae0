/**
 * GitHub's published REST description (npm `@octokit/openapi`, api.github.com.json), used by the
 * test GitHub API to judge every request it receives and every response it sends.
 *
 * The validator below is our own: the description is OpenAPI 3.0 (`nullable`, `$ref` into
 * `#/components`), which JSON Schema validators such as ajv do not read without a conversion
 * layer, none is a dependency here, and the description only uses a small subset (type, nullable,
 * enum, format, properties, required, additionalProperties, items, oneOf/anyOf/allOf, maxLength,
 * minimum/maximum). Request bodies are checked strictly: a property the description does not
 * name is reported, because GitHub silently drops it and the caller would never learn.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: Json[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface MediaType {
  schema?: Schema;
  examples?: Record<string, { $ref?: string; value?: Json }>;
}
interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
interface Description {
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components: Record<string, Record<string, unknown>>;
}

export interface RouteMatch {
  template: string;
  operation: Operation;
  params: Record<string, string>;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  literal: number;
  methods: Record<string, Operation>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];

export class GitHubDescription {
  private readonly routes: Route[];

  constructor(private readonly doc: Description) {
    this.routes = Object.entries(doc.paths).map(([template, item]) => {
      const names: string[] = [];
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const param = /^\{([^}]+)\}$/.exec(part);
          if (!param) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(param[1]!);
          const op = Object.values(item).find((o): o is Operation => !Array.isArray(o) && typeof o === 'object');
          const multi = op?.parameters?.some((p) => {
            const resolved = this.resolve<Parameter & { 'x-multi-segment'?: boolean }>(p);
            return resolved.name === param[1] && resolved['x-multi-segment'];
          });
          return multi ? '(.+)' : '([^/]+)';
        })
        .join('');
      const methods: Record<string, Operation> = {};
      for (const m of METHODS) if (item[m] && !Array.isArray(item[m])) methods[m] = item[m] as Operation;
      return { template, pattern: new RegExp(`^${source}$`), names, literal: template.replace(/\{[^}]+\}/g, '').length, methods };
    });
    // The most literal template wins: /releases/tags/{tag} before /releases/{release_id}/...
    this.routes.sort((a, b) => b.literal - a.literal);
  }

  resolve<T>(node: T | { $ref?: string }): T {
    let current = node as { $ref?: string };
    for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops++) {
      const parts = current.$ref.replace(/^#\//, '').split('/');
      let target: unknown = this.doc;
      for (const part of parts) target = (target as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      current = target as { $ref?: string };
    }
    return current as T;
  }

  match(method: string, path: string): RouteMatch | { template?: string; error: string } {
    let pathOnly: string | undefined;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      const operation = route.methods[method.toLowerCase()];
      if (!operation) {
        pathOnly ??= route.template;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { template: route.template, operation, params };
    }
    return pathOnly ? { template: pathOnly, error: `${method} is not an operation of ${pathOnly}` } : { error: `no path of the description matches ${path}` };
  }

  parameters(template: string, operation: Operation): Parameter[] {
    const shared = (this.doc.paths[template]?.parameters as Parameter[] | undefined) ?? [];
    return [...shared, ...(operation.parameters ?? [])].map((p) => this.resolve<Parameter>(p));
  }

  /** Path and query parameters against their declarations: required, typed, nothing unknown. */
  checkParameters(match: RouteMatch, query: URLSearchParams): string[] {
    const problems: string[] = [];
    const declared = this.parameters(match.template, match.operation);
    for (const p of declared) {
      if (p.in === 'path') {
        problems.push(...this.checkScalar(p.schema, match.params[p.name] ?? '', `path parameter ${p.name}`));
      } else if (p.in === 'query') {
        const value = query.get(p.name);
        if (value === null) {
          if (p.required) problems.push(`query parameter ${p.name} is required`);
        } else {
          problems.push(...this.checkScalar(p.schema, value, `query parameter ${p.name}`));
        }
      }
    }
    const known = new Set(declared.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(query.keys())) if (!known.has(name)) problems.push(`query parameter ${name} is not one of ${match.operation.operationId}'s`);
    return problems;
  }

  private checkScalar(schema: Schema | undefined, raw: string, where: string): string[] {
    if (!schema) return [];
    const s = this.resolve<Schema>(schema);
    let value: Json = raw;
    if (s.type === 'integer' || s.type === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return [`${where} ${JSON.stringify(raw)} is not a ${s.type}`];
      value = Number(raw);
    } else if (s.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') return [`${where} ${JSON.stringify(raw)} is not a boolean`];
      value = raw === 'true';
    }
    return this.validate(s, value, where);
  }

  /** The schema of an operation's JSON request body, if it takes one. */
  requestSchema(operation: Operation, contentType: string): Schema | undefined {
    const content = operation.requestBody?.content ?? {};
    const media = content[contentType] ?? content['application/json'];
    return media?.schema;
  }

  responseSchema(operation: Operation, status: number): Schema | undefined {
    const response = operation.responses[String(status)];
    if (!response) return undefined;
    return this.resolve<Response>(response).content?.['application/json']?.schema;
  }

  hasResponse(operation: Operation, status: number): boolean {
    return String(status) in operation.responses;
  }

  /** The description's own example for a component (`#/components/examples/<name>`), deep-copied. */
  example<T = Record<string, unknown>>(name: string): T {
    const node = this.doc.components.examples?.[name] as { value?: unknown } | undefined;
    if (!node || node.value === undefined) throw new Error(`the GitHub description has no example ${name}`);
    return structuredClone(node.value) as T;
  }

  validate(schema: Schema, value: unknown, where: string, strict = false, depth = 0): string[] {
    const s = this.resolve<Schema>(schema);
    if (depth > 40) return [];
    if (value === null) return s.nullable || s.type === 'null' || (s.enum ?? []).includes(null) ? [] : [`${where} is null`];
    if (s.allOf) return s.allOf.flatMap((sub) => this.validate(sub, value, where, strict, depth + 1));
    if (s.oneOf || s.anyOf) {
      const options = (s.oneOf ?? s.anyOf)!;
      const fits = options.filter((sub) => this.validate(sub, value, where, strict, depth + 1).length === 0).length;
      // GitHub's oneOf alternatives overlap (an object schema without properties fits anything), so one fit is enough.
      if (fits === 0) return [`${where} matches none of its ${options.length} alternatives`];
      return [];
    }
    if (s.enum && !s.enum.includes(value as Json)) return [`${where} ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
    switch (s.type) {
      case 'string':
        return this.validateString(s, value, where);
      case 'integer':
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value) || (s.type === 'integer' && !Number.isInteger(value))) return [`${where} is not an ${s.type}`];
        if (s.minimum !== undefined && value < s.minimum) return [`${where} is below ${s.minimum}`];
        if (s.maximum !== undefined && value > s.maximum) return [`${where} is above ${s.maximum}`];
        return [];
      }
      case 'boolean':
        return typeof value === 'boolean' ? [] : [`${where} is not a boolean`];
      case 'array':
        if (!Array.isArray(value)) return [`${where} is not an array`];
        return s.items ? value.flatMap((item, i) => this.validate(s.items!, item, `${where}[${i}]`, strict, depth + 1)) : [];
      case 'object':
        return this.validateObject(s, value, where, strict, depth);
      default:
        return s.properties ? this.validateObject(s, value, where, strict, depth) : [];
    }
  }

  private validateString(s: Schema, value: unknown, where: string): string[] {
    if (typeof value !== 'string') return [`${where} is not a string`];
    if (s.maxLength !== undefined && [...value].length > s.maxLength) return [`${where} is longer than ${s.maxLength}`];
    if (s.minLength !== undefined && [...value].length < s.minLength) return [`${where} is shorter than ${s.minLength}`];
    if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${where} ${JSON.stringify(value)} is not a date-time`];
    if (s.format === 'uri' && !/^[a-z][a-z0-9+.-]*:/i.test(value)) return [`${where} ${JSON.stringify(value)} is not a URI`];
    return [];
  }

  private validateObject(s: Schema, value: unknown, where: string, strict: boolean, depth: number): string[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where} is not an object`];
    const record = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const key of s.required ?? []) if (!(key in record)) problems.push(`${where}.${key} is required`);
    for (const [key, v] of Object.entries(record)) {
      const prop = s.properties?.[key];
      if (prop) problems.push(...this.validate(prop, v, `${where}.${key}`, strict, depth + 1));
      else if (typeof s.additionalProperties === 'object') problems.push(...this.validate(s.additionalProperties, v, `${where}.${key}`, strict, depth + 1));
      else if (s.additionalProperties === false || (strict && s.properties && s.additionalProperties === undefined))
        problems.push(`${where}.${key} is not a property the description names`);
    }
    return problems;
  }
}

let loaded: GitHubDescription | undefined;

/** Parsed once per process (13 MB of JSON): every server started by a test file shares it. */
export function githubDescription(): GitHubDescription {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    loaded = new GitHubDescription(JSON.parse(readFileSync(file, 'utf8')) as Description);
  }
  return loaded;
}
