// `GET /v0/pipes/openapi.json` (spec §3.8): an OpenAPI 3.0 document with one path per endpoint pipe and output
// format, whose query parameters come from the templates (spec §8.7) with their types, defaults and descriptions.
import type { PipeFile } from '../datafiles/types.ts';
import type { MetaValue, ParamMeta } from '../template/index.ts';

const FORMATS: readonly { ext: string; mime: string }[] = [
  { ext: 'json', mime: 'application/json' },
  { ext: 'csv', mime: 'text/csv' },
  { ext: 'ndjson', mime: 'application/x-ndjson' },
  { ext: 'parquet', mime: 'application/octet-stream' },
];

type Schema = Record<string, unknown>;

/** JSON Schema (OpenAPI 3.0 dialect) of a template type such as `Int32`, `DateTime` or `Array(String)`. */
export function paramSchema(type: string): Schema {
  const array = /^Array(?:\((.+)\))?$/.exec(type);
  if (array) return { type: 'array', items: paramSchema(array[1] ?? 'String') };
  if (type === 'Boolean') return { type: 'boolean' };
  if (/^U?Int(8|16|32)$/.test(type)) return { type: 'integer', format: 'int32', ...(type.startsWith('U') ? { minimum: 0 } : {}) };
  if (/^U?Int(64|128|256)$/.test(type)) return { type: 'integer', format: 'int64', ...(type.startsWith('U') ? { minimum: 0 } : {}) };
  if (type === 'Float32') return { type: 'number', format: 'float' };
  if (type === 'Float64') return { type: 'number', format: 'double' };
  if (type === 'Date') return { type: 'string', format: 'date' };
  if (type === 'DateTime' || type === 'DateTime64') return { type: 'string', format: 'date-time', description: 'YYYY-MM-DD HH:MM:SS' };
  return { type: 'string' };
}

/** A default as the schema's type: Tinybird stringifies big integers (spec §8.7), OpenAPI wants the typed value. */
function typedDefault(schema: Schema, value: MetaValue): unknown {
  if (value === null) return undefined;
  if ((schema.type === 'integer' || schema.type === 'number') && typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  if (schema.type === 'array') {
    if (Array.isArray(value)) return value;
    if (typeof value === 'string') return value === '' ? [] : value.split(',');
    return undefined;
  }
  if (schema.type === 'string' && typeof value !== 'string') return String(value);
  return value;
}

function parameter(p: ParamMeta): Record<string, unknown> {
  const schema = paramSchema(p.type);
  const def = typedDefault(schema, p.default);
  if (def !== undefined) schema.default = def;
  if (Array.isArray(p.enum)) schema.enum = p.enum;
  const out: Record<string, unknown> = { name: p.name, in: 'query', required: p.required === true, schema };
  if (typeof p.description === 'string' && p.description) out.description = p.description;
  if (p.example !== undefined && p.example !== null) out.example = typedDefault(schema, p.example) ?? p.example;
  // Arrays go comma-separated, as Tinybird's Array() reads them (spec §3.3).
  if (schema.type === 'array') Object.assign(out, { style: 'form', explode: false });
  return out;
}

export interface OpenApiPipe {
  readonly pipe: PipeFile;
  readonly params: readonly ParamMeta[];
}

export function openApiDocument(pipes: readonly OpenApiPipe[], baseUrl: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { pipe, params } of pipes) {
    const parameters = params.filter((p) => p.usedIn !== 'function_call' && p.type).map(parameter);
    parameters.push({ name: 'q', in: 'query', required: false, description: 'SQL over the result of the pipe, which is named `_`', schema: { type: 'string' } });
    for (const f of FORMATS) {
      paths[`/pipes/${pipe.name}.${f.ext}`] = {
        get: {
          summary: pipe.description.split('\n')[0] || `Data of the ${pipe.name} endpoint`,
          description: pipe.description || undefined,
          operationId: `${pipe.name}_${f.ext}`,
          tags: [pipe.name],
          parameters,
          responses: {
            '200': {
              description: `Rows of ${pipe.name} as ${f.ext}`,
              content: { [f.mime]: { schema: f.ext === 'json' ? { $ref: '#/components/schemas/QueryResult' } : { type: 'string', ...(f.ext === 'parquet' ? { format: 'binary' } : {}) } } },
            },
            '400': { $ref: '#/components/responses/Error' },
            '403': { $ref: '#/components/responses/Error' },
            '404': { $ref: '#/components/responses/Error' },
            '408': { $ref: '#/components/responses/Error' },
            '429': { $ref: '#/components/responses/Error' },
          },
        },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'duckbird endpoints', version: '1.0.0', description: "The project's endpoint pipes, served with Tinybird's Pipes API" },
    servers: [{ url: `${baseUrl}/v0` }],
    security: [{ bearerAuth: [] }, { tokenParam: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        tokenParam: { type: 'apiKey', in: 'query', name: 'token' },
      },
      schemas: {
        QueryResult: {
          type: 'object',
          required: ['meta', 'data', 'rows', 'statistics'],
          properties: {
            meta: { type: 'array', items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' } } } },
            data: { type: 'array', items: { type: 'object', additionalProperties: true } },
            rows: { type: 'integer' },
            rows_before_limit_at_least: { type: 'integer' },
            statistics: {
              type: 'object',
              properties: { elapsed: { type: 'number' }, rows_read: { type: 'integer' }, bytes_read: { type: 'integer' } },
            },
          },
        },
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, documentation: { type: 'string' } } },
      },
      responses: {
        Error: { description: 'Tinybird error body', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}
