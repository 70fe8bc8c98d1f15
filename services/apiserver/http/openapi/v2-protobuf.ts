// The Swagger 2.0 document in the protobuf encoding client-go asks /openapi/v2 for (Accept:
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf): gnostic's openapi.v2.Document
// (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), written field by field for the
// parts Kubernetes' document uses: info, paths with their operations, parameters and responses,
// definitions, and x-* vendor extensions as gnostic's Any (their YAML; JSON is YAML).
import { Writer } from 'protobufjs';
import type { Schema } from './kubernetes-types';

type Json = any;

const LEN = 2;
const VARINT = 0;

/** A length-delimited field holding what `fill` writes. */
function message(w: Writer, field: number, fill: (w: Writer) => void): void {
  w.uint32((field << 3) | LEN).fork();
  fill(w);
  w.ldelim();
}

function str(w: Writer, field: number, value: unknown): void {
  if (typeof value === 'string' && value !== '') w.uint32((field << 3) | LEN).string(value);
}

function bool(w: Writer, field: number, value: unknown): void {
  if (value === true) w.uint32((field << 3) | VARINT).bool(true);
}

/** NamedAny entries for the x-* keys of `o`. */
function vendorExtensions(w: Writer, field: number, o: Json): void {
  for (const [k, v] of Object.entries(o))
    if (k.startsWith('x-'))
      message(w, field, (n) => {
        str(n, 1, k);
        message(n, 2, (a) => str(a, 2, `${JSON.stringify(v)}\n`));
      });
}

/** openapi.v2.Schema */
function schema(w: Writer, s: Json): void {
  str(w, 1, s.$ref);
  str(w, 2, s.format);
  str(w, 4, s.description);
  for (const r of s.required ?? []) str(w, 19, r);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') message(w, 21, (a) => message(a, 1, (x) => schema(x, s.additionalProperties)));
  if (s.type) message(w, 22, (t) => str(t, 1, s.type));
  if (s.items) message(w, 23, (i) => message(i, 1, (x) => schema(x, s.items)));
  for (const a of s.allOf ?? []) message(w, 24, (x) => schema(x, a));
  if (s.properties)
    message(w, 25, (p) => {
      for (const [name, value] of Object.entries(s.properties))
        message(p, 1, (n) => {
          str(n, 1, name);
          message(n, 2, (x) => schema(x, value));
        });
    });
  vendorExtensions(w, 31, s);
}

/** The fields of an openapi.v2.ParametersItem: its Parameter (1), a body or a non-body parameter. */
function parameter(w: Writer, p: Json): void {
  message(w, 1, (param) => {
    if (p.in === 'body')
      message(param, 1, (b) => {
        str(b, 1, p.description);
        str(b, 2, p.name);
        str(b, 3, p.in);
        bool(b, 4, p.required);
        message(b, 5, (x) => schema(x, p.schema));
      });
    else
      message(param, 2, (nb) =>
        // QueryParameterSubSchema (3) or PathParameterSubSchema (4): the same leading fields, type at 6 or 5.
        message(nb, p.in === 'path' ? 4 : 3, (q) => {
          bool(q, 1, p.required);
          str(q, 2, p.in);
          str(q, 3, p.description);
          str(q, 4, p.name);
          str(q, p.in === 'path' ? 5 : 6, p.type);
          bool(q, p.in === 'path' ? 19 : 20, p.uniqueItems);
        }),
      );
  });
}

/** openapi.v2.Operation */
function operation(w: Writer, o: Json): void {
  for (const t of o.tags ?? []) str(w, 1, t);
  str(w, 3, o.description);
  str(w, 5, o.operationId);
  for (const p of o.produces ?? []) str(w, 6, p);
  for (const c of o.consumes ?? []) str(w, 7, c);
  for (const p of o.parameters ?? []) message(w, 8, (x) => parameter(x, p));
  message(w, 9, (rs) => {
    for (const [code, r] of Object.entries<Json>(o.responses ?? {}))
      message(rs, 1, (n) => {
        str(n, 1, code);
        message(n, 2, (rv) =>
          message(rv, 1, (resp) => {
            str(resp, 1, r.description);
            if (r.schema) message(resp, 2, (si) => message(si, 1, (x) => schema(x, r.schema)));
          }),
        );
      });
  });
  for (const s of o.schemes ?? []) str(w, 10, s);
  vendorExtensions(w, 13, o);
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** The openapi.v2.Document of a Swagger 2.0 document in its JSON form. */
export function encodeOpenApiV2(doc: Schema): Buffer {
  const d = doc as Json;
  const w = Writer.create();
  str(w, 1, d.swagger);
  message(w, 2, (i) => {
    str(i, 1, d.info?.title);
    str(i, 2, d.info?.version);
  });
  message(w, 8, (paths) => {
    for (const [path, item] of Object.entries<Json>(d.paths ?? {}))
      message(paths, 2, (n) => {
        str(n, 1, path);
        message(n, 2, (pi) => {
          for (const [method, field] of Object.entries(METHOD_FIELDS)) if (item[method]) message(pi, field, (x) => operation(x, item[method]));
          for (const p of item.parameters ?? []) message(pi, 9, (x) => parameter(x, p));
        });
      });
  });
  message(w, 9, (defs) => {
    for (const [name, s] of Object.entries(d.definitions ?? {}))
      message(defs, 1, (n) => {
        str(n, 1, name);
        message(n, 2, (x) => schema(x, s));
      });
  });
  for (const req of d.security ?? [])
    message(w, 12, (sr) => {
      for (const [name, scopes] of Object.entries<string[]>(req))
        message(sr, 1, (n) => {
          str(n, 1, name);
          message(n, 2, (a) => scopes.forEach((s) => str(a, 1, s)));
        });
    });
  message(w, 13, (sd) => {
    for (const [name, s] of Object.entries<Json>(d.securityDefinitions ?? {}))
      message(sd, 1, (n) => {
        str(n, 1, name);
        // SecurityDefinitionsItem.api_key_security (2): ApiKeySecurity{type, name, in, description}.
        message(n, 2, (item) =>
          message(item, 2, (k) => {
            str(k, 1, s.type);
            str(k, 2, s.name);
            str(k, 3, s.in);
            str(k, 4, s.description);
          }),
        );
      });
  });
  return Buffer.from(w.finish());
}
